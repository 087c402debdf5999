import { Attachment, EncryptedAttachment } from "@matrix-org/matrix-sdk-crypto-nodejs";
import type { MatrixClient } from "@vector-im/matrix-bot-sdk";
import { ErrorCodes, MirageError } from "../../platform/errors/MirageError.js";

/** An `EncryptedFile` as in `m.image`'s `file` (AES-256-CTR, version 2). */
export interface EncryptedFile {
  url: string;
  key: { kty: "oct"; key_ops: string[]; alg: "A256CTR"; k: string; ext: true };
  iv: string;
  hashes: { sha256: string };
  v: "v2";
}

/** Encrypts `data` locally and uploads only ciphertext; returns the `file` object for the event. */
export async function uploadEncrypted(client: MatrixClient, data: Uint8Array): Promise<EncryptedFile> {
  const encrypted = Attachment.encrypt(data);
  const info = JSON.parse(encrypted.mediaEncryptionInfo ?? "null") as Omit<EncryptedFile, "url"> | null;
  if (!info) throw new Error("attachment encryption produced no key material");
  const url = await client.uploadContent(Buffer.from(encrypted.encryptedData), "application/octet-stream");
  return { ...info, url };
}

/** Downloads an encrypted file and decrypts it, checking its SHA-256 before returning any byte. */
export async function downloadDecrypted(client: MatrixClient, file: unknown): Promise<Buffer> {
  const checked = checkEncryptedFile(file);
  const { data } = await client.downloadContent(checked.url);
  try {
    return Buffer.from(Attachment.decrypt(new EncryptedAttachment(new Uint8Array(data), JSON.stringify(checked))));
  } catch (error) {
    throw new MirageError(ErrorCodes.invalidInput, "the encrypted file does not match its hash or key", { cause: error });
  }
}

function checkEncryptedFile(file: unknown): EncryptedFile {
  const f = file as Partial<EncryptedFile> | null;
  const ok =
    typeof f?.url === "string" &&
    f.url.startsWith("mxc://") &&
    f.v === "v2" &&
    f.key?.alg === "A256CTR" &&
    typeof f.key.k === "string" &&
    typeof f.iv === "string" &&
    typeof f.hashes?.sha256 === "string";
  if (!ok) throw new MirageError(ErrorCodes.invalidInput, "not a version 2 AES-CTR encrypted file with an mxc:// url");
  return f as EncryptedFile;
}
