import type { Session, SessionRepository } from "../platform/accounts/Account.js";
import type { SessionId } from "../platform/ids.js";
import { jsonSublevel, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { SUBLEVELS } from "./keys.js";

interface TokenIndexEntry {
  session: SessionId;
}

/** Sessions by id, and an index from every refresh-token hash a session has had to the session. */
export class LevelSessions implements SessionRepository {
  private readonly sessions: JsonSublevel<Session>;
  private readonly byToken: JsonSublevel<TokenIndexEntry>;
  private readonly mutex = new Mutex();

  constructor(private readonly db: RootLevel) {
    this.sessions = jsonSublevel<Session>(db, SUBLEVELS.sessions);
    this.byToken = jsonSublevel<TokenIndexEntry>(db, SUBLEVELS.sessionTokens);
  }

  create(session: Session): Promise<void> {
    return this.mutex.run(() =>
      this.db.batch([
        { type: "put", sublevel: this.sessions, key: session.id, value: session },
        { type: "put", sublevel: this.byToken, key: session.tokenHash, value: { session: session.id } },
      ] as BatchOp[]),
    );
  }

  get(id: SessionId): Promise<Session | undefined> {
    return this.sessions.get(id);
  }

  async findByTokenHash(hash: string): Promise<{ session: Session; current: boolean } | undefined> {
    const entry = await this.byToken.get(hash);
    if (!entry) return undefined;
    const session = await this.sessions.get(entry.session);
    return session ? { session, current: session.tokenHash === hash } : undefined;
  }

  rotate(id: SessionId, oldHash: string, newHash: string, expiresAt: number): Promise<boolean> {
    return this.mutex.run(async () => {
      const session = await this.sessions.get(id);
      if (!session || session.tokenHash !== oldHash || session.revokedAt !== undefined) return false;
      await this.db.batch([
        { type: "put", sublevel: this.sessions, key: id, value: { ...session, tokenHash: newHash, expiresAt } },
        { type: "put", sublevel: this.byToken, key: newHash, value: { session: id } },
      ] as BatchOp[]);
      return true;
    });
  }

  revoke(id: SessionId, at: number): Promise<void> {
    return this.mutex.run(async () => {
      const session = await this.sessions.get(id);
      if (session && session.revokedAt === undefined) await this.sessions.put(id, { ...session, revokedAt: at });
    });
  }
}
