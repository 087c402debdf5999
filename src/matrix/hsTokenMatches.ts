import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Compares a presented token with the expected hs_token in constant time. Both sides are
 * hashed first so neither the content nor the length of the secret leaks through timing.
 */
export function hsTokenMatches(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}

/** The token from `Authorization: Bearer …`, or the deprecated `access_token` query parameter. */
export function presentedToken(authorization: string | undefined, query: unknown): string | undefined {
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  const fromQuery = (query as { access_token?: unknown } | undefined)?.access_token;
  return typeof fromQuery === "string" ? fromQuery : undefined;
}
