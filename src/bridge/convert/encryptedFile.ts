import { isMxcUri } from "../../platform/render/urlPolicy.js";

/** An `EncryptedFile` (spec "Sending encrypted attachments", v2): where the ciphertext is and how to decrypt and check it. */
export interface EncryptedFile {
  url: string;
  key: { kty: "oct"; alg: "A256CTR"; k: string; key_ops: string[]; ext: true };
  iv: string;
  hashes: { sha256: string } & Record<string, unknown>;
  v: "v2";
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const BASE64 = /^[A-Za-z0-9+/_-]{1,128}={0,2}$/;

/** Whether `file` has the shape of a v2 `EncryptedFile` with an `mxc://` URL (the keys are checked when it is decrypted). */
export function isEncryptedFile(file: unknown): file is EncryptedFile {
  if (!isObject(file) || file.v !== "v2" || typeof file.url !== "string" || !isMxcUri(file.url)) return false;
  const { key, hashes, iv } = file;
  if (typeof iv !== "string" || !BASE64.test(iv) || !isObject(hashes) || typeof hashes.sha256 !== "string" || !BASE64.test(hashes.sha256)) return false;
  return isObject(key) && key.kty === "oct" && key.alg === "A256CTR" && typeof key.k === "string" && BASE64.test(key.k) && Array.isArray(key.key_ops) && key.ext === true;
}
