import { createHash, randomBytes, randomUUID } from "node:crypto";
import { ErrorCodes, MirageError } from "../errors/MirageError.js";
import type { AccountName, SessionId } from "../ids.js";
import { asSessionId } from "../ids.js";
import type { Account, AccountRepository, SessionRepository } from "./Account.js";
import type { LoginThrottle } from "./LoginThrottle.js";
import type { PasswordHasher } from "./PasswordHasher.js";
import type { TokenSigner } from "./TokenSigner.js";
import { checkPassword, checkUsername } from "./usernameRules.js";

/** What a successful sign-up, log-in or refresh hands the client. */
export interface IssuedTokens {
  accessToken: string;
  /** Single use: each refresh returns a new one and retires this one. */
  refreshToken: string;
  expiresIn: number;
  /** Seconds the refresh token stays usable (unless rotated or revoked first). */
  refreshExpiresIn: number;
  account: Account;
}

export interface AccountServiceDeps {
  accounts: AccountRepository;
  sessions: SessionRepository;
  hasher: PasswordHasher;
  tokens: TokenSigner;
  throttle: LoginThrottle;
  refreshLifetimeMs?: number;
  /** How long after a rotation the retired refresh token still yields the same new pair; default 30 s. */
  refreshGraceMs?: number;
  now?: () => number;
  /** Waits out a log-in slowdown; tests pass one that records instead. */
  sleep?: (ms: number) => Promise<void>;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("base64url");

/** Sign-up, log-in, refresh-token rotation with reuse detection, log-out, and access-token checks. */
export class AccountService {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly refreshLifetimeMs: number;
  private readonly refreshGraceMs: number;
  /** Verified against when the account does not exist, so timing does not reveal which names exist. */
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly deps: AccountServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.refreshLifetimeMs = deps.refreshLifetimeMs ?? 30 * 24 * 3600 * 1000;
    this.refreshGraceMs = deps.refreshGraceMs ?? 30_000;
  }

  async signUp(username: string, password: string): Promise<IssuedTokens> {
    const name = checkUsername(username);
    checkPassword(password);
    if (await this.deps.accounts.get(name)) throw new MirageError(ErrorCodes.conflict, `username "${name}" is taken`);
    const now = this.now();
    const account: Account = {
      name,
      passwordHash: await this.deps.hasher.hash(password),
      displayName: name,
      avatarUrl: "",
      bio: "",
      bioHtml: "",
      customHtml: "",
      customHtmlSanitized: "",
      customCss: "",
      customCssSanitized: "",
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.accounts.create(account);
    return this.openSession(account);
  }

  /**
   * Checks a password. `source` is where the attempt comes from (see `loginSource`): failures
   * are counted per account and source, so guesses from one place do not lock the owner out
   * from another, and per account, where a distributed guess slows every attempt down.
   */
  async logIn(username: string, password: string, source: string): Promise<IssuedTokens> {
    const key = username.trim().toLowerCase();
    const decision = this.deps.throttle.decide(key, source);
    if (decision.kind === "refuse") {
      const wait = decision.retryAfterSeconds;
      throw new MirageError(ErrorCodes.rateLimited, `too many failed logins for this account from your network; try again in ${wait} s`, {
        details: { retryAfterSeconds: wait },
      });
    }
    if (decision.delayMs > 0) await this.sleep(decision.delayMs);
    const account = await this.deps.accounts.get(key as AccountName);
    const valid = account
      ? await this.deps.hasher.verify(password, account.passwordHash)
      : await this.deps.hasher.verify(password, await this.dummy()).then(() => false);
    if (!account || !valid) {
      this.deps.throttle.recordFailure(key, source);
      throw new MirageError(ErrorCodes.unauthenticated, "invalid username or password");
    }
    this.deps.throttle.recordSuccess(key, source);
    return this.openSession(account);
  }

  /**
   * Rotates the refresh token. Presenting a retired token revokes the whole session (it was
   * stolen or replayed), except the token retired by the latest rotation within the grace
   * window: that is a second tab refreshing at the same time, and it gets the same new pair.
   */
  async refresh(refreshToken: string): Promise<IssuedTokens> {
    const hash = sha256(refreshToken);
    const found = await this.deps.sessions.findByTokenHash(hash);
    const invalid = new MirageError(ErrorCodes.unauthenticated, "invalid or expired refresh token; log in again");
    if (!found) throw invalid;
    const { session } = found;
    const now = this.now();
    if (session.revokedAt !== undefined || session.expiresAt <= now) throw invalid;
    const next = this.deps.tokens.nextRefreshToken(refreshToken);
    const nextHash = sha256(next);
    const withinGrace = session.rotatedAt !== undefined && now - session.rotatedAt <= this.refreshGraceMs;
    if (!found.current && !(withinGrace && session.previousTokenHash === hash && session.tokenHash === nextHash)) {
      await this.deps.sessions.revoke(session.id, now);
      throw invalid;
    }
    const account = await this.deps.accounts.get(session.account);
    if (!account) throw invalid;
    // Idempotent: a concurrent refresh with the same token finds this rotation done and gets the same session back.
    const rotated = await this.deps.sessions.rotate(session.id, hash, nextHash, now + this.refreshLifetimeMs, now);
    if (!rotated || (rotated.rotatedAt !== undefined && now - rotated.rotatedAt > this.refreshGraceMs)) {
      await this.deps.sessions.revoke(session.id, now);
      throw invalid;
    }
    // The access token is signed as of the rotation, so every answer for this rotation is the same pair.
    return this.issue(account, session.id, next, Math.floor((rotated.rotatedAt ?? now) / 1000));
  }

  async logOut(session: SessionId): Promise<void> {
    await this.deps.sessions.revoke(session, this.now());
  }

  /**
   * Ends the session a refresh token (current or retired) belongs to, for a log-out that holds
   * only that token. An unknown token changes nothing: the session it named is gone already.
   */
  async logOutByRefreshToken(refreshToken: string): Promise<void> {
    const found = await this.deps.sessions.findByTokenHash(sha256(refreshToken));
    if (found && found.session.revokedAt === undefined) await this.deps.sessions.revoke(found.session.id, this.now());
  }

  /** The account behind an access token, if its session is still live (so log-out takes effect at once). */
  async authenticate(accessToken: string): Promise<{ account: Account; session: SessionId }> {
    const claims = await this.deps.tokens.verify(accessToken);
    const session = await this.deps.sessions.get(claims.session);
    if (!session || session.revokedAt !== undefined || session.account !== claims.account) {
      throw new MirageError(ErrorCodes.unauthenticated, "session ended; log in again");
    }
    const account = await this.deps.accounts.get(claims.account);
    if (!account) throw new MirageError(ErrorCodes.unauthenticated, "account no longer exists");
    return { account, session: session.id };
  }

  private async openSession(account: Account): Promise<IssuedTokens> {
    const refreshToken = randomBytes(32).toString("base64url");
    const id = asSessionId(randomUUID());
    const now = this.now();
    await this.deps.sessions.create({ id, account: account.name, tokenHash: sha256(refreshToken), createdAt: now, expiresAt: now + this.refreshLifetimeMs });
    return this.issue(account, id, refreshToken);
  }

  private async issue(account: Account, session: SessionId, refreshToken: string, issuedAt?: number): Promise<IssuedTokens> {
    return {
      accessToken: await this.deps.tokens.sign(account.name, session, issuedAt),
      refreshToken,
      expiresIn: this.deps.tokens.accessTokenLifetimeSeconds,
      refreshExpiresIn: Math.floor(this.refreshLifetimeMs / 1000),
      account,
    };
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.deps.hasher.hash(randomBytes(16).toString("hex"));
    return this.dummyHash;
  }
}
