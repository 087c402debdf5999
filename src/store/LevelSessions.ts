import type { Session, SessionRepository } from "../platform/accounts/Account.js";
import type { SessionId } from "../platform/ids.js";
import { jsonSublevel, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { SUBLEVELS } from "./keys.js";

interface TokenIndexEntry {
  session: SessionId;
}

/**
 * Sessions by id, and an index from every refresh-token hash a session has had to the session.
 * Recently read sessions are kept in memory (bounded) so every authenticated request does not
 * read the store; every write goes through this class and updates the memory in the same step,
 * and a read that raced a write does not fill the memory with what it read.
 */
export class LevelSessions implements SessionRepository {
  private readonly sessions: JsonSublevel<Session>;
  private readonly byToken: JsonSublevel<TokenIndexEntry>;
  private readonly mutex = new Mutex();
  private readonly cache = new Map<SessionId, Session>();
  /** Bumped by every write; a read fills the cache only if none happened while it ran. */
  private writes = 0;

  constructor(
    private readonly db: RootLevel,
    private readonly cacheSize = 10_000,
  ) {
    this.sessions = jsonSublevel<Session>(db, SUBLEVELS.sessions);
    this.byToken = jsonSublevel<TokenIndexEntry>(db, SUBLEVELS.sessionTokens);
  }

  create(session: Session): Promise<void> {
    return this.mutex.run(async () => {
      await this.db.batch([
        { type: "put", sublevel: this.sessions, key: session.id, value: session },
        { type: "put", sublevel: this.byToken, key: session.tokenHash, value: { session: session.id } },
      ] as BatchOp[]);
      this.written(session);
    });
  }

  async get(id: SessionId): Promise<Session | undefined> {
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached;
    const before = this.writes;
    const session = await this.sessions.get(id);
    if (session !== undefined && before === this.writes) this.remember(session);
    return session;
  }

  async findByTokenHash(hash: string): Promise<{ session: Session; current: boolean } | undefined> {
    const entry = await this.byToken.get(hash);
    if (!entry) return undefined;
    const session = await this.get(entry.session);
    return session ? { session, current: session.tokenHash === hash } : undefined;
  }

  rotate(id: SessionId, oldHash: string, newHash: string, expiresAt: number, at: number): Promise<Session | undefined> {
    return this.mutex.run(async () => {
      const session = await this.sessions.get(id);
      if (!session || session.revokedAt !== undefined) return undefined;
      if (session.tokenHash === newHash && session.previousTokenHash === oldHash) return session;
      if (session.tokenHash !== oldHash) return undefined;
      const rotated: Session = { ...session, tokenHash: newHash, previousTokenHash: oldHash, rotatedAt: at, expiresAt };
      await this.db.batch([
        { type: "put", sublevel: this.sessions, key: id, value: rotated },
        { type: "put", sublevel: this.byToken, key: newHash, value: { session: id } },
      ] as BatchOp[]);
      this.written(rotated);
      return rotated;
    });
  }

  revoke(id: SessionId, at: number): Promise<void> {
    return this.mutex.run(async () => {
      const session = await this.sessions.get(id);
      if (session && session.revokedAt === undefined) {
        const revoked = { ...session, revokedAt: at };
        await this.sessions.put(id, revoked);
        this.written(revoked);
      }
    });
  }

  /** After a write of `session` (also counted, so racing reads do not overwrite it with what they read). */
  private written(session: Session): void {
    this.writes += 1;
    this.remember(session);
  }

  private remember(session: Session): void {
    this.cache.delete(session.id);
    if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(session.id, session);
  }
}
