import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Appservice } from "@vector-im/matrix-bot-sdk";
import type { KeyValueStore } from "../platform/ports/KeyValueStore.js";

export interface BotProfile {
  displayName: string;
  /** mxc:// URI, absolute path of a local image, or "" for none. */
  avatar: string;
}

const MIME_BY_EXT: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
};

/**
 * Makes the bot's display name and avatar match the config. A local avatar file is
 * uploaded once per content hash; the resulting mxc URI is remembered in the store.
 */
export async function syncBotProfile(appservice: Appservice, profile: BotProfile, kv: KeyValueStore): Promise<void> {
  const client = appservice.botClient;
  const current = (await client.getUserProfile(appservice.botUserId).catch(() => ({}))) as {
    displayname?: string;
    avatar_url?: string;
  };
  if (profile.displayName !== "" && current.displayname !== profile.displayName) {
    await client.setDisplayName(profile.displayName);
  }
  const avatarUrl = await resolveAvatar(appservice, profile.avatar, kv);
  if (avatarUrl !== undefined && current.avatar_url !== avatarUrl) await client.setAvatarUrl(avatarUrl);
}

async function resolveAvatar(appservice: Appservice, avatar: string, kv: KeyValueStore): Promise<string | undefined> {
  if (avatar === "") return undefined;
  if (avatar.startsWith("mxc://")) return avatar;
  const bytes = await readFile(avatar);
  const key = `bot-avatar:${createHash("sha256").update(bytes).digest("hex")}`;
  const known = await kv.get(key);
  if (known) return known;
  const type = MIME_BY_EXT[path.extname(avatar).toLowerCase()] ?? "application/octet-stream";
  const mxc = await appservice.botClient.uploadContent(bytes, type, path.basename(avatar));
  await kv.put(key, mxc);
  return mxc;
}
