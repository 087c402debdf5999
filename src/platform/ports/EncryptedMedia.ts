import type { Person } from "../people/Person.js";
import type { MediaDownload } from "./MediaSource.js";

/** The shape of a Mirage media reference of an encrypted attachment. */
export const ENCRYPTED_MEDIA_ID_PATTERN = "^[A-Za-z0-9_-]{32}$";

/** What decrypts one attachment sent into an encrypted room (`EncryptedFile` v2): secret, never logged nor shown. */
export interface EncryptedFileKeys {
  url: string;
  key: { kty: "oct"; alg: "A256CTR"; k: string; key_ops: string[]; ext: true };
  iv: string;
  hashes: { sha256: string };
  v: "v2";
}

/**
 * An attachment of an encrypted Matrix message, kept so the web can be served its plaintext under
 * a Mirage media reference (`id`) instead of the keys.
 */
export interface EncryptedMediaRecord {
  /** The Mirage media reference the message's Markdown links. */
  id: string;
  /** The Matrix room and event that carried the file. */
  roomId: string;
  eventId: string;
  /** The event of the message whose body links it: `eventId` itself, or the message an edit replaced. */
  messageEventId: string;
  file: EncryptedFileKeys;
  /** The sender's `info.mimetype`, unchecked (the media route applies its own policy). */
  mimetype?: string;
}

/** Where encrypted attachments' keys are kept; `put` is idempotent (same id, same record). */
export interface EncryptedMediaStore {
  put(record: EncryptedMediaRecord): Promise<void>;
  get(id: string): Promise<EncryptedMediaRecord | undefined>;
}

/**
 * Serves an encrypted attachment's plaintext to a reader of its message. Rejects with
 * `NOT_FOUND` when there is no such media or `reader` may not read the message (the same
 * answer, so neither leaks), with `MEDIA_CORRUPT` when the downloaded ciphertext does not match its
 * hash or key, and with the media source's errors otherwise.
 */
export interface EncryptedMediaReader {
  open(id: string, reader: Person, options?: { signal?: AbortSignal }): Promise<MediaDownload>;
}
