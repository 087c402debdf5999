import type { MatrixUserId } from "../platform/ids.js";
import type { MatrixProfileFetch, RawMatrixProfile } from "../platform/people/CachedMatrixProfiles.js";
import { readAtMost } from "./readAtMost.js";

/** A profile answer is two short strings; anything much longer is not one. */
const MAX_PROFILE_BYTES = 64 * 1024;

/**
 * Profile lookups through the homeserver as the appservice's bot
 * (`GET /_matrix/client/v3/profile/{userId}` with the `as_token`; the homeserver asks a remote
 * user's server over federation). 404 and 403 (no such user, or lookups restricted) mean there
 * is no profile to have; any other answer, a redirect, an oversized or unparsable body throws.
 */
export function homeserverProfileFetch(options: { homeserverUrl: string; accessToken: string }): MatrixProfileFetch {
  const base = options.homeserverUrl.replace(/\/+$/, "");
  return async (userId: MatrixUserId, signal: AbortSignal): Promise<RawMatrixProfile | undefined> => {
    const response = await fetch(`${base}/_matrix/client/v3/profile/${encodeURIComponent(userId)}`, {
      headers: { authorization: `Bearer ${options.accessToken}`, accept: "application/json" },
      redirect: "error",
      signal,
    });
    if (response.status === 404 || response.status === 403) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`profile lookup answered ${response.status}`);
    }
    const read = await readAtMost(response.body, MAX_PROFILE_BYTES);
    if (read.exceeded) throw new Error("profile lookup answer too large");
    const body: unknown = JSON.parse(read.bytes.toString("utf8"));
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("profile lookup answer is not an object");
    const fields = body as Record<string, unknown>;
    return { displayName: fields.displayname, avatarUrl: fields.avatar_url };
  };
}
