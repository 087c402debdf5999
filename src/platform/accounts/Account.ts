import type { AccountName, SessionId } from "../ids.js";
import type { JournalRecords } from "../ports/Journal.js";

/** A Mirage account. Profile text is kept as written and as sanitized/rendered at write time. */
export interface Account {
  name: AccountName;
  passwordHash: string;
  displayName: string;
  /** https URL or "" */
  avatarUrl: string;
  bio: string;
  bioHtml: string;
  customHtml: string;
  customHtmlSanitized: string;
  customCss: string;
  customCssSanitized: string;
  createdAt: number;
  updatedAt: number;
}

/** One login: a refresh-token family, rotated on each refresh, revoked on logout or token reuse. */
export interface Session {
  id: SessionId;
  account: AccountName;
  /** SHA-256 of the current refresh token; older tokens of the family are no longer valid. */
  tokenHash: string;
  /** SHA-256 of the token the last rotation retired, and when (ms): presenting it again soon after is a concurrent refresh, not theft. */
  previousTokenHash?: string;
  rotatedAt?: number;
  createdAt: number;
  expiresAt: number;
  revokedAt?: number;
}

/**
 * Persistence of accounts. `create` fails with CONFLICT when the name is taken; `create` and
 * `update` fail with NAME_CONFUSABLE when the account's username or display name has the same
 * skeleton (`accountNameKeys`) as another account's username or display name.
 */
export interface AccountRepository {
  get(name: AccountName): Promise<Account | undefined>;
  create(account: Account): Promise<void>;
  /** Replaces the account, journaling `events` in the same batch. */
  update(account: Account, events?: JournalRecords): Promise<void>;
  count(): Promise<number>;
}

/**
 * Persistence of sessions with an index from refresh-token hash to session (old hashes kept for
 * reuse detection). `get` answers from memory for sessions it has seen; every change goes
 * through the repository, so a revocation is seen by the next `get` at once.
 */
export interface SessionRepository {
  create(session: Session): Promise<void>;
  get(id: SessionId): Promise<Session | undefined>;
  /** The session a refresh-token hash belongs to, and whether it is the family's current token. */
  findByTokenHash(hash: string): Promise<{ session: Session; current: boolean } | undefined>;
  /**
   * Replaces the current token `oldHash` by `newHash` atomically and resolves the rotated session.
   * Idempotent: when that very rotation (old → new) already happened, resolves the session as it
   * stands. Resolves undefined if `oldHash` is neither current nor just retired for `newHash`,
   * or the session is revoked.
   */
  rotate(id: SessionId, oldHash: string, newHash: string, expiresAt: number, at: number): Promise<Session | undefined>;
  revoke(id: SessionId, at: number): Promise<void>;
}
