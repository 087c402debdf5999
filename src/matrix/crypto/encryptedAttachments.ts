import { Attachment, EncryptedAttachment } from "@matrix-org/matrix-sdk-crypto-nodejs";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import type { MatrixClient } from "@vector-im/matrix-bot-sdk";
import { ErrorCodes, MirageError } from "../../platform/errors/MirageError.js";
import { parseMediaRef } from "../../platform/media/MediaRef.js";
import type { MediaDownload, MediaSource } from "../../platform/ports/MediaSource.js";

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
  return decryptChecked(data, checked);
}

/**
 * An `EncryptedFile` (the `file` of an `m.image`, `m.file`, …, or `info.thumbnail_file`) as
 * plaintext, for the web side to serve: the ciphertext comes through `source` (authenticated
 * media, with its size cap and timeout), its `hashes.sha256` is checked, then it is decrypted;
 * no byte is handed out before the check. Rejects with `INVALID_INPUT` for a malformed file or
 * one that does not match its hash or key, and with `source`'s errors (`NOT_FOUND`,
 * `MEDIA_TOO_LARGE`, `HOMESERVER_UNAVAILABLE`) otherwise. The content type is the caller's to
 * give (from the event's `info.mimetype`); the ciphertext's is meaningless.
 */
export async function fetchEncryptedFile(source: MediaSource, file: unknown, options: { signal?: AbortSignal } = {}): Promise<MediaDownload> {
  const checked = checkEncryptedFile(file);
  const [server = "", mediaId = ""] = checked.url.slice("mxc://".length).split("/");
  const download = await source.fetch(parseMediaRef(server, mediaId), options);
  const clear = decryptChecked(await buffer(download.body), checked);
  return { contentType: undefined, contentLength: clear.length, body: Readable.from([clear]) };
}

function decryptChecked(data: Uint8Array, file: EncryptedFile): Buffer {
  try {
    return Buffer.from(Attachment.decrypt(new EncryptedAttachment(new Uint8Array(data), JSON.stringify(file))));
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
