import { createHmac } from "node:crypto";
import { jwtVerify, SignJWT, errors } from "jose";
import type { AccountName, SessionId } from "../ids.js";
import { asAccountName, asSessionId } from "../ids.js";
import { ErrorCodes, MirageError } from "../errors/MirageError.js";

const ISSUER = "mirage";
const AUDIENCE = "mirage-api";

export interface AccessClaims {
  account: AccountName;
  session: SessionId;
}

export interface TokenSignerOptions {
  /** Access-token lifetime; default 900 s. */
  lifetimeSeconds?: number;
  /** Verified tokens remembered (each until it expires); default 10,000. */
  cacheSize?: number;
  now?: () => number;
}

/**
 * Short-lived access tokens: HS256 JWTs naming the account and the session they belong to.
 * A token that verified once is remembered until its own expiry (bounded, oldest forgotten
 * first), so a client's every request does not pay for the HMAC again; only exact byte-equal
 * tokens hit, and failures are never remembered.
 */
export class TokenSigner {
  private readonly key: Uint8Array;
  private readonly lifetimeSeconds: number;
  private readonly cacheSize: number;
  private readonly now: () => number;
  private readonly verified = new Map<string, AccessClaims & { expiresAtMs: number }>();

  constructor(secret: Uint8Array, options: TokenSignerOptions | number = {}) {
    if (secret.length < 32) throw new Error("the access-token secret must be at least 32 bytes");
    const opts = typeof options === "number" ? { lifetimeSeconds: options } : options;
    this.key = secret;
    this.lifetimeSeconds = opts.lifetimeSeconds ?? 900;
    this.cacheSize = opts.cacheSize ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  get accessTokenLifetimeSeconds(): number {
    return this.lifetimeSeconds;
  }

  /** Signs a token; `issuedAt` (seconds) makes re-issuing the same token possible (the refresh grace window). */
  async sign(account: AccountName, session: SessionId, issuedAt = Math.floor(this.now() / 1000)): Promise<string> {
    return new SignJWT({ sid: session })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(account)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.lifetimeSeconds)
      .sign(this.key);
  }

  /**
   * The refresh token that replaces `previous`: a keyed hash of it, so the same rotation always
   * yields the same token (a concurrent refresh with the same token can be answered with the same
   * pair) while nobody without the key can compute it.
   */
  nextRefreshToken(previous: string): string {
    return createHmac("sha256", this.key).update("mirage refresh-token rotation\x00").update(previous).digest("base64url");
  }

  /** Verifies signature (HS256 only: `none` and other algorithms are refused), issuer, audience and expiry. */
  async verify(token: string): Promise<AccessClaims> {
    const cached = this.verified.get(token);
    if (cached !== undefined) {
      if (cached.expiresAtMs > this.now()) return { account: cached.account, session: cached.session };
      this.verified.delete(token);
      throw new MirageError(ErrorCodes.unauthenticated, "access token expired; refresh it");
    }
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ["HS256"],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(this.now()),
      });
      if (typeof payload.sub !== "string" || typeof payload.sid !== "string" || typeof payload.exp !== "number") throw new Error("missing claims");
      const claims = { account: asAccountName(payload.sub), session: asSessionId(payload.sid) };
      this.remember(token, { ...claims, expiresAtMs: payload.exp * 1000 });
      return claims;
    } catch (error) {
      const expired = error instanceof errors.JWTExpired;
      throw new MirageError(ErrorCodes.unauthenticated, expired ? "access token expired; refresh it" : "invalid access token", { cause: error });
    }
  }

  private remember(token: string, entry: AccessClaims & { expiresAtMs: number }): void {
    // Tokens share one lifetime, so insertion order is nearly expiry order: drop from the front.
    const now = this.now();
    for (const [key, value] of this.verified) {
      if (value.expiresAtMs > now && this.verified.size < this.cacheSize) break;
      this.verified.delete(key);
    }
    this.verified.set(token, entry);
  }
}
