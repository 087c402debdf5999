import { randomBytes } from "node:crypto";
import type { KeyValueStore } from "../platform/ports/KeyValueStore.js";

const KEY = "api:access-token-secret";

/** The configured secret, else one generated on first start and kept in the store (sessions survive restarts). */
export async function accessTokenSecret(configured: string, kv: KeyValueStore): Promise<Uint8Array> {
  if (configured !== "") return new TextEncoder().encode(configured);
  let stored = await kv.get(KEY);
  if (stored === undefined) {
    stored = randomBytes(32).toString("base64url");
    await kv.put(KEY, stored);
  }
  return Buffer.from(stored, "base64url");
}
