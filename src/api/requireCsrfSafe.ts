import type { FastifyRequest } from "fastify";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";

/** The header a cookie-authenticated call must carry; a cross-site form cannot set it, and a cross-site script may not without CORS. */
export const CSRF_HEADER = "x-mirage-csrf";

const rejected = (why: string) => new MirageError(ErrorCodes.csrfRejected, why);

/**
 * Refuses (403 `CSRF_REJECTED`) a call that authenticates by cookie unless it carries
 * `X-Mirage-CSRF: 1` and, when the browser names an `Origin`, that origin is the request's own
 * (scheme and host as Fastify sees them: behind a trusted proxy, its forwarded ones).
 */
export function requireCsrfSafe(request: FastifyRequest): void {
  if (request.headers[CSRF_HEADER] !== "1") throw rejected("cookie sessions need the header X-Mirage-CSRF: 1");
  const origin = request.headers.origin;
  if (origin === undefined) return;
  if (typeof origin !== "string" || originOf(origin) === undefined || originOf(origin) !== originOf(`${request.protocol}://${request.host}`)) {
    throw rejected("cross-origin cookie sessions are refused");
  }
}

/** Scheme, host and port in URL's normal form (default ports dropped), or undefined for `null` and garbage. */
function originOf(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.origin === "null" ? undefined : url.origin;
  } catch {
    return undefined;
  }
}
