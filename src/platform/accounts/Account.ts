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
  createdAt: number;
  expiresAt: number;
  revokedAt?: number;
}

/** Persistence of accounts; `create` fails with CONFLICT when the name is taken. */
export interface AccountRepository {
  get(name: AccountName): Promise<Account | undefined>;
  create(account: Account): Promise<void>;
  /** Replaces the account, journaling `events` in the same batch. */
  update(account: Account, events?: JournalRecords): Promise<void>;
  count(): Promise<number>;
}

/** Persistence of sessions with an index from refresh-token hash to session (old hashes kept for reuse detection). */
export interface SessionRepository {
  create(session: Session): Promise<void>;
  get(id: SessionId): Promise<Session | undefined>;
  /** The session a refresh-token hash belongs to, and whether it is the family's current token. */
  findByTokenHash(hash: string): Promise<{ session: Session; current: boolean } | undefined>;
  /** Replaces the current token atomically; resolves false if `oldHash` was no longer current (a race or reuse). */
  rotate(id: SessionId, oldHash: string, newHash: string, expiresAt: number): Promise<boolean>;
  revoke(id: SessionId, at: number): Promise<void>;
}
