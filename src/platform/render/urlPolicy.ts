import { isMediaId, isServerName } from "../media/MediaRef.js";

/**
 * Which URLs rendered HTML may point at. Every check parses with the WHATWG URL parser (the one
 * browsers use) and returns the parser's serialization, so what was checked is exactly what a
 * browser will see; nothing relative, nothing with credentials.
 */

/** Schemes a link in a message or post may use (`matrix.to` links are plain https). */
export const LINK_SCHEMES: readonly string[] = ["https", "http", "mailto", "matrix"];

// Long enough for real links; bounds the work per URL.
const MAX_URL_CHARS = 8192;


/** The normalized href if `raw` is an absolute URL with a scheme from `schemes`, otherwise undefined. */
export function safeUrl(raw: string, schemes: readonly string[]): string | undefined {
  if (raw.length > MAX_URL_CHARS) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const scheme = url.protocol.slice(0, -1);
  if (!schemes.includes(scheme)) return undefined;
  if (url.username !== "" || url.password !== "") return undefined;
  if ((scheme === "https" || scheme === "http") && url.hostname === "") return undefined;
  return url.href;
}

/** A link target for messages and posts: https, http, mailto or matrix. */
export function safeLinkHref(raw: string): string | undefined {
  return safeUrl(raw, LINK_SCHEMES);
}

/** An https URL (images on web pages, `url()` in profile CSS). */
export function safeHttpsUrl(raw: string): string | undefined {
  return safeUrl(raw, ["https"]);
}

/** True for a well-formed `mxc://server/mediaId` URI (by the same rules `/media/…` checks). */
export function isMxcUri(raw: string): boolean {
  if (!raw.startsWith("mxc://")) return false;
  const rest = raw.slice("mxc://".length);
  const slash = rest.indexOf("/");
  return slash > 0 && isServerName(rest.slice(0, slash)) && isMediaId(rest.slice(slash + 1));
}

// A same-origin absolute path such as `/_mirage/media/example.org/abc`: no scheme, no `//` authority.
const ROOT_RELATIVE_PATH = /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#]*$/;

/** What a trusted `mediaUrl` mapping may return: a root-relative path or an http(s) URL. */
export function safeMediaSrc(raw: string): string | undefined {
  if (raw.length > MAX_URL_CHARS) return undefined;
  if (ROOT_RELATIVE_PATH.test(raw)) return raw;
  return safeUrl(raw, ["https", "http"]);
}
