import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Whether `Authorization: Bearer <token>` carries `expected`, compared in constant time: both
 * sides are hashed first, so neither the secret's content nor its length leaks through timing.
 */
export function bearerTokenMatches(authorization: string | undefined, expected: string): boolean {
  const presented = authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  const a = createHash("sha256").update(presented ?? "", "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return presented !== undefined && timingSafeEqual(a, b);
}
