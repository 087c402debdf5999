import { isMxcUri } from "../render/urlPolicy.js";
import type { MatrixProfile } from "../ports/MatrixProfiles.js";

/** Longest display name kept, in code points (Synapse allows 256; pages need far less). */
export const MATRIX_DISPLAY_NAME_MAX = 100;
/** Longest `mxc://` URI: the scheme, a server name, a slash and a media id. */
const MXC_MAX_LENGTH = 6 + 261 + 1 + 255;
/** Input looked at: anything longer is cut before any other work. */
const RAW_NAME_MAX = 4 * MATRIX_DISPLAY_NAME_MAX;

// Control characters, bidi embeddings/overrides/isolates and line/paragraph separators: they could
// reorder or break the text around a name on a page.
const UNSAFE_CHARACTERS = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/gu;

/**
 * A profile as Matrix (a profile lookup or a member event) gave it, made safe to show: a display
 * name must be a string and is cleaned of control and bidi characters, whitespace folded, bounded;
 * an avatar must be a well-formed `mxc://` URI. Anything else (wrong types, https URLs) is dropped.
 */
export function sanitizeMatrixProfile(displayName: unknown, avatarUrl: unknown): MatrixProfile {
  const profile: MatrixProfile = {};
  const name = cleanName(displayName);
  if (name !== undefined) profile.displayName = name;
  if (typeof avatarUrl === "string" && avatarUrl.length <= MXC_MAX_LENGTH && isMxcUri(avatarUrl)) profile.avatarUrl = avatarUrl;
  return profile;
}

function cleanName(raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  const folded = raw.slice(0, RAW_NAME_MAX).replace(UNSAFE_CHARACTERS, " ").replace(/\s+/gu, " ").trim();
  const points = Array.from(folded);
  const name = (points.length > MATRIX_DISPLAY_NAME_MAX ? points.slice(0, MATRIX_DISPLAY_NAME_MAX).join("") : folded).trim();
  return name === "" ? undefined : name;
}

/** Whether two profiles show the same. */
export function sameMatrixProfile(a: MatrixProfile | undefined, b: MatrixProfile | undefined): boolean {
  return a?.displayName === b?.displayName && a?.avatarUrl === b?.avatarUrl;
}
