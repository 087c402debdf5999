import { jwtVerify, SignJWT, errors } from "jose";
import type { AccountName, SessionId } from "../ids.js";
import { asAccountName, asSessionId } from "../ids.js";
import { ErrorCodes, MirageError } from "../errors/MirageError.js";

const ISSUER = "mirage";
const AUDIENCE = "mirage-api";

/** Short-lived access tokens: HS256 JWTs naming the account and the session they belong to. */
export class TokenSigner {
  private readonly key: Uint8Array;

  constructor(
    secret: Uint8Array,
    private readonly lifetimeSeconds = 900,
  ) {
    if (secret.length < 32) throw new Error("the access-token secret must be at least 32 bytes");
    this.key = secret;
  }

  get accessTokenLifetimeSeconds(): number {
    return this.lifetimeSeconds;
  }

  async sign(account: AccountName, session: SessionId): Promise<string> {
    return new SignJWT({ sid: session })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(account)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.lifetimeSeconds}s`)
      .sign(this.key);
  }

  /** Verifies signature (HS256 only: `none` and other algorithms are refused), issuer, audience and expiry. */
  async verify(token: string): Promise<{ account: AccountName; session: SessionId }> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE });
      if (typeof payload.sub !== "string" || typeof payload.sid !== "string") throw new Error("missing claims");
      return { account: asAccountName(payload.sub), session: asSessionId(payload.sid) };
    } catch (error) {
      const expired = error instanceof errors.JWTExpired;
      throw new MirageError(ErrorCodes.unauthenticated, expired ? "access token expired; refresh it" : "invalid access token", { cause: error });
    }
  }
}
