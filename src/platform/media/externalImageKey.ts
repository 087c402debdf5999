import { randomBytes } from "node:crypto";
import type { KeyValueStore } from "../ports/KeyValueStore.js";

const KEY = "media:external-image-key";

/**
 * The key signing external image links in rendered pages, generated on first start and kept in
 * the store: pages rendered before a restart keep working.
 */
export async function externalImageKey(kv: KeyValueStore): Promise<string> {
  let stored = await kv.get(KEY);
  if (stored === undefined) {
    stored = randomBytes(32).toString("base64url");
    await kv.put(KEY, stored);
  }
  return stored;
}
