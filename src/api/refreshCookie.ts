/** The cookie that holds a browser's refresh token, out of reach of page script. */
export const REFRESH_COOKIE = "mirage_refresh";
/** Sent only to the session routes (refresh and log-out), never to the rest of the API. */
export const REFRESH_COOKIE_PATH = "/api/v1/sessions";

// Refresh tokens are base64url (see AccountService); anything else is not one of ours.
const TOKEN = /^[A-Za-z0-9_-]{1,512}$/;

/** `Set-Cookie` value carrying `token` for `maxAgeSeconds`. */
export function refreshCookie(token: string, maxAgeSeconds: number): string {
  if (!TOKEN.test(token)) throw new Error("refresh token is not cookie-safe");
  return `${REFRESH_COOKIE}=${token}; Path=${REFRESH_COOKIE_PATH}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; Secure; SameSite=Strict`;
}

/** `Set-Cookie` value that makes the browser drop the refresh cookie. */
export function clearedRefreshCookie(): string {
  return `${REFRESH_COOKIE}=; Path=${REFRESH_COOKIE_PATH}; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;
}

/**
 * The refresh token in a `Cookie` header, or undefined. Strict: only `name=value` pairs split by
 * `;`, the value a bare base64url token (no quotes, no percent-decoding). When the browser sends
 * several (another path or domain set one too), the first is taken: browsers list the cookie with
 * the longest path first, which is ours.
 */
export function readRefreshCookie(header: string | undefined): string | undefined {
  if (header === undefined || header.length > 8192) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== REFRESH_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return TOKEN.test(value) ? value : undefined;
  }
  return undefined;
}
