import type { MatrixClient } from "@vector-im/matrix-bot-sdk";
import { uploadEncrypted } from "./encryptedAttachments.js";

const MEDIA_MSGTYPES = new Set(["m.image", "m.file", "m.video", "m.audio"]);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Media content as it must go into an encrypted room: a plain `url` (and `info.thumbnail_url`)
 * becomes an `EncryptedFile` in `file` (`info.thumbnail_file`): the media is read from the
 * repository, encrypted here, and only the ciphertext is uploaded again, so the file key
 * travels inside the Megolm-encrypted event. Content that already carries `file` is left as
 * it is (a sender that knows the room is encrypted should upload with `uploadEncrypted` and
 * never put plaintext in the repository at all). An edit's `m.new_content` is treated alike.
 */
export async function sealMediaContent(client: MatrixClient, eventType: string, content: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (eventType !== "m.room.message") return content;
  let out = content;
  if (MEDIA_MSGTYPES.has(content.msgtype as string)) {
    if (typeof content.url === "string" && content.file === undefined) {
      const { url, ...rest } = out;
      out = { ...rest, file: await encryptedCopy(client, url as string) };
    }
    const info = content.info;
    if (isObject(info) && typeof info.thumbnail_url === "string" && info.thumbnail_file === undefined) {
      const { thumbnail_url: thumbnail, ...restInfo } = info;
      out = { ...out, info: { ...restInfo, thumbnail_file: await encryptedCopy(client, thumbnail as string) } };
    }
  }
  const replacement = content["m.new_content"];
  if (isObject(replacement)) out = { ...out, "m.new_content": await sealMediaContent(client, eventType, replacement) };
  return out;
}

async function encryptedCopy(client: MatrixClient, mxc: string) {
  const { data } = await client.downloadContent(mxc);
  return uploadEncrypted(client, new Uint8Array(data));
}
