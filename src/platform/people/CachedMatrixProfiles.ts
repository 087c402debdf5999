import type { Logger } from "../../log/createLogger.js";
import type { MatrixUserId } from "../ids.js";
import type { MatrixProfileRecord, MatrixProfileRecords } from "../ports/MatrixProfileRecords.js";
import type { MatrixProfile, MatrixProfiles } from "../ports/MatrixProfiles.js";
import { sameMatrixProfile, sanitizeMatrixProfile } from "./sanitizeMatrixProfile.js";

/** A profile as the homeserver answered it, unchecked. */
export interface RawMatrixProfile {
  displayName: unknown;
  avatarUrl: unknown;
}

/**
 * Asks the homeserver for a user's profile: undefined when there is none to have (404, 403);
 * throws when it cannot answer. Should stop when `signal` aborts (it is abandoned then anyway).
 */
export type MatrixProfileFetch = (userId: MatrixUserId, signal: AbortSignal) => Promise<RawMatrixProfile | undefined>;

/** Runs `fn` after `ms` unless the returned function cancels it first. */
export type After = (ms: number, fn: () => void) => () => void;

export interface CachedMatrixProfilesOptions {
  records: MatrixProfileRecords;
  logger: Logger;
  now?: () => number;
  /** Timers; default: unref'd `setTimeout`. */
  after?: After;
  /** How long a fetched or seen profile is served without asking again. Default 6 h. */
  freshMs?: number;
  /** After a 404, a refusal or a failure: how long before asking again. Default 10 min. */
  retryMs?: number;
  /** Longest one fetch may take before it is abandoned (and counts as a failure). Default 10 s. */
  fetchTimeoutMs?: number;
  /** Longest a read waits for users it has never seen; it answers without them after. Default 1.5 s. */
  readWaitMs?: number;
  /** Fetches at once. Default 4. */
  concurrency?: number;
  /** Fetches waiting for a slot; beyond that no new fetch is started (the next read asks again). Default 1000. */
  maxQueued?: number;
  /** Member-event updates waiting to be written; beyond that they are dropped (a later read refreshes). Default 1000. */
  maxPendingNotes?: number;
}

const unrefAfter: After = (ms, fn) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * Matrix profiles from a durable cache, filled by a fetcher through the homeserver and by the
 * member events Mirage sees. Fresh records are served as they are; stale ones are served while a
 * background fetch refreshes them; users never seen are fetched, a read waiting at most
 * `readWaitMs` for them. Fetches run at most `concurrency` at once, deduplicated per user, each
 * abandoned after `fetchTimeoutMs`; a 404 or a failure is remembered for `retryMs` (a failure
 * keeps the profile known before). A fetch never overwrites what a member event newer than the
 * fetch's start wrote. Writes are serialized, so a record is never written from a stale read.
 */
export class CachedMatrixProfiles implements MatrixProfiles {
  private fetcher: MatrixProfileFetch | undefined;
  private readonly now: () => number;
  private readonly after: After;
  private readonly freshMs: number;
  private readonly retryMs: number;
  private readonly fetchTimeoutMs: number;
  private readonly readWaitMs: number;
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly maxPendingNotes: number;
  private readonly log: Logger;
  private readonly inFlight = new Map<MatrixUserId, Promise<MatrixProfileRecord | undefined>>();
  private readonly waiting: Array<() => void> = [];
  private readonly listeners = new Set<(userId: MatrixUserId) => void>();
  private running = 0;
  private pendingNotes = 0;
  private writeTail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: CachedMatrixProfilesOptions) {
    this.now = options.now ?? Date.now;
    this.after = options.after ?? unrefAfter;
    this.freshMs = options.freshMs ?? 6 * 3600_000;
    this.retryMs = options.retryMs ?? 10 * 60_000;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 10_000;
    this.readWaitMs = options.readWaitMs ?? 1500;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.maxQueued = options.maxQueued ?? 1000;
    this.maxPendingNotes = options.maxPendingNotes ?? 1000;
    this.log = options.logger.child({ component: "matrix-profiles" });
  }

  /** Where profiles are fetched from (the Matrix side, once built); without it only what is cached or seen is known. */
  attachFetcher(fetch: MatrixProfileFetch): void {
    this.fetcher = fetch;
  }

  onChange(listener: (userId: MatrixUserId) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async get(userIds: readonly MatrixUserId[]): Promise<Map<MatrixUserId, MatrixProfile>> {
    const unique = [...new Set(userIds)];
    const found = new Map<MatrixUserId, MatrixProfile>();
    if (unique.length === 0) return found;
    const records = await this.options.records.getMany(unique);
    const now = this.now();
    const unseen: MatrixUserId[] = [];
    unique.forEach((userId, i) => {
      const record = records[i];
      if (!record) return void unseen.push(userId);
      if (record.profile) found.set(userId, record.profile);
      if (now >= record.freshUntil) void this.refresh(userId);
    });
    if (unseen.length > 0) {
      for (const [userId, record] of await this.fetchBriefly(unseen)) if (record?.profile) found.set(userId, record.profile);
    }
    return found;
  }

  /**
   * What a member event (join or profile change) of `userId` showed, as that user's latest
   * profile. Never waits on the homeserver; at most `maxPendingNotes` wait to be written.
   * `at`: the event's time (a later time than now is taken as now).
   */
  noteMember(userId: MatrixUserId, displayName: unknown, avatarUrl: unknown, at: number): Promise<void> {
    if (this.pendingNotes >= this.maxPendingNotes) return Promise.resolve();
    this.pendingNotes += 1;
    const now = this.now();
    const confirmedAt = Math.min(at, now);
    const profile = sanitizeMatrixProfile(displayName, avatarUrl);
    return this.write(userId, (current) => (current && current.confirmedAt > confirmedAt ? undefined : { userId, profile, confirmedAt, freshUntil: now + this.freshMs }))
      .then(() => undefined)
      .finally(() => {
        this.pendingNotes -= 1;
      });
  }

  /** Users never seen: fetched, waited for at most `readWaitMs`; those not answered by then are left out. */
  private fetchBriefly(userIds: readonly MatrixUserId[]): Promise<Map<MatrixUserId, MatrixProfileRecord | undefined>> {
    const settled = new Map<MatrixUserId, MatrixProfileRecord | undefined>();
    const all = Promise.all(userIds.map((userId) => this.refresh(userId).then((record) => void settled.set(userId, record))));
    return new Promise((resolve) => {
      const cancel = this.after(this.readWaitMs, () => resolve(new Map(settled)));
      void all.then(() => {
        cancel();
        resolve(settled);
      });
    });
  }

  /** Fetches the user's profile once (joining a fetch under way) and stores what came of it. */
  private refresh(userId: MatrixUserId): Promise<MatrixProfileRecord | undefined> {
    const fetch = this.fetcher;
    if (!fetch) return Promise.resolve(undefined);
    const current = this.inFlight.get(userId);
    if (current) return current;
    if (this.waiting.length >= this.maxQueued) return Promise.resolve(undefined);
    const run = this.withSlot(() => this.fetchOne(fetch, userId))
      .catch((error: unknown) => {
        this.log.warn({ err: error }, "could not store a Matrix profile");
        return undefined;
      })
      .finally(() => this.inFlight.delete(userId));
    this.inFlight.set(userId, run);
    return run;
  }

  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) this.running += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      // The slot passes to the next waiting fetch, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  private async fetchOne(fetch: MatrixProfileFetch, userId: MatrixUserId): Promise<MatrixProfileRecord | undefined> {
    const startedAt = this.now();
    const controller = new AbortController();
    const timedOut = new Promise<never>((_, reject) => controller.signal.addEventListener("abort", () => reject(new Error("profile lookup timed out")), { once: true }));
    const cancel = this.after(this.fetchTimeoutMs, () => controller.abort());
    let outcome: { raw: RawMatrixProfile | undefined } | { failed: unknown };
    try {
      // A fetcher that ignores the signal still gives its slot back at the timeout.
      outcome = { raw: await Promise.race([fetch(userId, controller.signal), timedOut]) };
    } catch (error) {
      outcome = { failed: error };
    } finally {
      cancel();
    }
    const now = this.now();
    if ("failed" in outcome) {
      this.log.debug({ err: outcome.failed }, "Matrix profile lookup failed");
      return this.write(userId, (current) =>
        current && current.freshUntil > now
          ? undefined
          : { userId, ...(current?.profile ? { profile: current.profile } : {}), confirmedAt: current?.confirmedAt ?? 0, freshUntil: now + this.retryMs },
      );
    }
    const { raw } = outcome;
    return this.write(userId, (current) =>
      current && current.confirmedAt >= startedAt
        ? undefined
        : {
            userId,
            ...(raw ? { profile: sanitizeMatrixProfile(raw.displayName, raw.avatarUrl) } : {}),
            confirmedAt: startedAt,
            freshUntil: now + (raw ? this.freshMs : this.retryMs),
          },
    );
  }

  /** Serialized read-decide-write of one record; `next` answers undefined to keep the current one. */
  private write(userId: MatrixUserId, next: (current: MatrixProfileRecord | undefined) => MatrixProfileRecord | undefined): Promise<MatrixProfileRecord | undefined> {
    const run = this.writeTail.then(async () => {
      const [current] = await this.options.records.getMany([userId]);
      const record = next(current);
      if (!record) return current;
      await this.options.records.put(record);
      if (!sameMatrixProfile(current?.profile, record.profile)) this.changed(userId);
      return record;
    });
    this.writeTail = run.catch(() => undefined);
    return run;
  }

  private changed(userId: MatrixUserId): void {
    for (const listener of this.listeners) {
      try {
        listener(userId);
      } catch (error) {
        this.log.warn({ err: error }, "a profile change listener failed");
      }
    }
  }
}
