import { createHash } from "node:crypto";

/**
 * The Mirage media reference of the attachment an event carries: derived from the event, so an
 * event imported again (after a crash) names the same record, and opaque (it says nothing of the
 * keys; reading it is checked against the message anyway). Matches `ENCRYPTED_MEDIA_ID_PATTERN`.
 */
export function encryptedMediaId(roomId: string, eventId: string): string {
  return createHash("sha256").update(`mirage-encrypted-media\x00${roomId}\x00${eventId}`).digest("base64url").slice(0, 32);
}
