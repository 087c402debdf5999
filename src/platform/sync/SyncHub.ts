import { ErrorCodes, MirageError } from "../errors/MirageError.js";
import { DeadlineQueue } from "./DeadlineQueue.js";
import { Deque } from "./Deque.js";
import { invalidSyncToken } from "./invalidSyncToken.js";
import type { SyncBatch } from "./SyncBatch.js";
import type { SyncEvent } from "./SyncEvent.js";
import type { SyncHubOptions } from "./SyncHubOptions.js";
import type { SyncHubStats } from "./SyncHubStats.js";
import { SyncTokenCodec } from "./SyncTokenCodec.js";
import { type Published, UserFeed, type Waiter } from "./UserFeed.js";

/**
 * The in-process hub behind `GET /api/v1/sync`: domain services publish what changed, to whom;
 * long-polls wait for their user's changes.
 *
 * Positions: every publish gets the next number of one global sequence, shared by all its
 * recipients. A token names a position ("everything up to here was seen"); tokens are opaque,
 * signed and valid only in this process (see {@link SyncTokenCodec}), so after a restart every
 * client gets `INVALID_INPUT` and does a fresh sync.
 *
 * Retention: events are kept per user in publish order, at most `maxEventsPerUser` each, for at
 * most `retentionMs`, and at most `maxRetainedDeliveries` in all (oldest dropped first). Each
 * user's feed remembers the highest position it dropped; a poll from below that point may have
 * missed something and is refused as stale instead of silently skipping it. Users with no
 * retained events and no parked polls are forgotten; for them the hub only knows the highest
 * position dropped overall, so a token older than that is refused even if nothing dropped was
 * theirs. Timed-out polls return the current token for this reason: a client that keeps polling
 * never holds a token older than one poll, and only one that stayed away for about the retention
 * window has to start over.
 *
 * Lifecycle: built once by the composition root and handed to the domain services (which call
 * `publish`) and the sync route (which calls `wait`); `close` on shutdown.
 *
 * Bounds: at most `maxWaitsPerSession` parked polls per session and `maxWaitsPerAccount` per
 * user; a new poll past either answers that session's (or user's) oldest at once, empty with the
 * current token, as a timeout would — what Matrix clients expect when a newer request replaces
 * theirs. Past `maxWaits` parked in all, a poll that would park is refused with `OVERLOADED`
 * (503 and `Retry-After` over HTTP); polls that have something to return are still answered.
 *
 * Cost: publish is O(recipients); a parked poll is one small object, one heap slot and no timer
 * of its own (a single timer is armed for the earliest deadline); waking is O(woken polls) and
 * happens in one microtask after the publishing code returns, so changes published together in
 * one synchronous run reach a poll together.
 */
export class SyncHub {
  private readonly codec = new SyncTokenCodec();
  private readonly feeds = new Map<string, UserFeed>();
  /** Every retained publish, oldest first, for age and total-size eviction. */
  private readonly log = new Deque<Published>();
  private readonly deadlines: DeadlineQueue<Waiter>;
  private readonly toWake = new Set<UserFeed>();
  private readonly maxEventsPerUser: number;
  private readonly retentionMs: number;
  private readonly maxRetainedDeliveries: number;
  private readonly batchLimit: number;
  private readonly maxTimeoutMs: number;
  private readonly maxWaitsPerSession: number;
  private readonly maxWaitsPerAccount: number;
  private readonly maxWaits: number;
  private readonly retryAfterSeconds: number;
  private readonly now: () => number;
  private seq = 0;
  /** Highest seq dropped by global eviction: a user with no feed has nothing retained above it. */
  private horizon = 0;
  private deliveries = 0;
  private waiterCount = 0;
  private displaced = 0;
  private refused = 0;
  private wakeScheduled = false;
  private closed = false;

  constructor(options: SyncHubOptions = {}) {
    this.maxEventsPerUser = positive(options.maxEventsPerUser ?? 256, "maxEventsPerUser");
    this.retentionMs = positive(options.retentionMs ?? 10 * 60_000, "retentionMs");
    this.maxRetainedDeliveries = positive(options.maxRetainedDeliveries ?? 500_000, "maxRetainedDeliveries");
    this.batchLimit = positive(options.batchLimit ?? 100, "batchLimit");
    this.maxTimeoutMs = positive(options.maxTimeoutMs ?? 120_000, "maxTimeoutMs");
    this.maxWaitsPerSession = positive(options.maxWaitsPerSession ?? Infinity, "maxWaitsPerSession");
    this.maxWaitsPerAccount = positive(options.maxWaitsPerAccount ?? Infinity, "maxWaitsPerAccount");
    this.maxWaits = positive(options.maxWaits ?? Infinity, "maxWaits");
    this.retryAfterSeconds = positive(options.retryAfterSeconds ?? 5, "retryAfterSeconds");
    this.now = options.now ?? (() => Date.now());
    this.deadlines = new DeadlineQueue<Waiter>((expired) => this.expire(expired), this.now);
  }

  /**
   * Called by domain services after a change is durable, with every account that should see it
   * (duplicates are ignored). Synchronous and O(recipients); parked polls of the recipients
   * resolve in the next microtask. Events reach each user in the order they were published.
   * After {@link close}, does nothing.
   */
  publish(users: Iterable<string>, event: SyncEvent): void {
    if (this.closed) return;
    const seq = ++this.seq;
    const now = this.now();
    let record: Published | undefined;
    for (const user of users) {
      let feed = this.feeds.get(user);
      if (feed === undefined) {
        feed = new UserFeed(user, this.horizon);
        this.feeds.set(user, feed);
      } else if (record !== undefined && feed.events.peekLast() === record) {
        continue;
      }
      record ??= { seq, at: now, event, feeds: [] };
      record.feeds.push(feed);
      feed.events.push(record);
      this.deliveries++;
      if (feed.events.length > this.maxEventsPerUser) {
        feed.floor = feed.events.shift()!.seq;
        this.deliveries--;
      }
      if (feed.waiters.size > 0) this.scheduleWake(feed);
    }
    if (record === undefined) return;
    this.log.push(record);
    this.evict(now);
  }

  /** The token for "now": polling with it returns only what is published from here on. */
  currentToken(): string {
    return this.codec.encode(this.seq);
  }

  /**
   * Called by the sync route once per request, for the authenticated user and their session
   * (which the per-session bound counts; without one, only the per-user and total bounds apply).
   *
   * - `since` undefined: resolves at once with no events and the current token (the client loads
   *   current state elsewhere first, then polls from this token).
   * - Events for `user` after `since`: resolves at once with the oldest `batchLimit` of them and
   *   `next` just after the last one returned.
   * - Otherwise parks until an event for `user` is published (resolves in the microtask after the
   *   publish), or `timeoutMs` passes (resolves with no events and `next` = the current token:
   *   nothing for this user happened in between, and a fresh position keeps an idle client from
   *   falling behind the retention window; it equals `since` when nothing was published at all),
   *   or `signal` aborts (rejects with the signal's reason at once and keeps nothing), or a newer
   *   poll of the same session or user displaces it (resolves as on timeout; see Bounds).
   * - `timeoutMs` ≤ 0 answers at once; longer than `maxTimeoutMs` is shortened.
   *
   * Rejects with MirageError `INVALID_INPUT` (see invalidSyncToken) when `since` is garbage,
   * forged, from another process, ahead of the hub, or older than what is retained for `user`;
   * with `OVERLOADED` (details.retryAfterSeconds) when it would park past `maxWaits`.
   */
  wait(user: string, since: string | undefined, timeoutMs: number, signal?: AbortSignal, session?: string): Promise<SyncBatch> {
    if (since === undefined) return Promise.resolve(this.empty());
    let sinceSeq: number;
    try {
      sinceSeq = this.codec.decode(since);
    } catch (error) {
      return Promise.reject(error);
    }
    if (sinceSeq > this.seq) return Promise.reject(invalidSyncToken("future"));
    const now = this.now();
    this.evict(now);
    let feed = this.feeds.get(user);
    if (sinceSeq < (feed?.floor ?? this.horizon)) return Promise.reject(invalidSyncToken("expired"));
    const ready = feed && this.collect(feed, sinceSeq);
    if (ready) return Promise.resolve(ready);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const timeout = Number.isFinite(timeoutMs) ? Math.min(this.maxTimeoutMs, timeoutMs) : 0;
    if (timeout <= 0 || this.closed) return Promise.resolve(this.empty());

    if (feed !== undefined) this.makeRoom(feed, session);
    if (this.waiterCount >= this.maxWaits) {
      this.refused++;
      return Promise.reject(overloaded(this.retryAfterSeconds));
    }
    // Making room may have forgotten a feed left idle.
    feed = this.feeds.get(user);
    if (feed === undefined) {
      feed = new UserFeed(user, this.horizon);
      this.feeds.set(user, feed);
    }
    const parkedOn = feed;
    return new Promise<SyncBatch>((resolve, reject) => {
      const waiter: Waiter = {
        feed: parkedOn,
        session,
        since: sinceSeq,
        deadline: now + timeout,
        heapIndex: -1,
        settled: false,
        resolve,
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.release(waiter);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      parkedOn.waiters.add(waiter);
      if (session !== undefined) {
        parkedOn.sessions ??= new Map();
        let ofSession = parkedOn.sessions.get(session);
        if (ofSession === undefined) parkedOn.sessions.set(session, (ofSession = new Set()));
        ofSession.add(waiter);
      }
      this.waiterCount++;
      this.deadlines.add(waiter);
    });
  }

  /**
   * Called on shutdown: answers every parked poll now (with what is there, or nothing) so
   * responses can finish, and clears the timer. Later polls answer at once; publishes are ignored.
   */
  close(): void {
    this.closed = true;
    for (const waiter of this.deadlines.clear()) this.answer(waiter);
  }

  /** Current counts; O(1). */
  stats(): SyncHubStats {
    return {
      users: this.feeds.size,
      waiters: this.waiterCount,
      displaced: this.displaced,
      refused: this.refused,
      deliveries: this.deliveries,
      events: this.log.length,
      timerArmed: this.deadlines.armed,
      seq: this.seq,
    };
  }

  private empty(): SyncBatch {
    return { events: [], next: this.currentToken() };
  }

  /**
   * The batch a poll from `since` gets now, or undefined when there is nothing new. With `memo`,
   * single-event batches are shared: one publish to many users wakes them all with one object.
   */
  private collect(feed: UserFeed, since: number, memo?: BatchMemo): SyncBatch | undefined {
    const events = feed.events;
    const newest = events.peekLast();
    if (newest === undefined || newest.seq <= since) return undefined;
    const previous = events.at(events.length - 2);
    if (memo !== undefined && (previous === undefined || previous.seq <= since)) {
      if (memo.record !== newest) {
        memo.record = newest;
        memo.batch = { events: [newest.event], next: this.codec.encode(newest.seq) };
      }
      return memo.batch;
    }
    const found = feed.after(since, this.batchLimit);
    const last = found[found.length - 1]!;
    return { events: found.map((p) => p.event), next: this.codec.encode(last.seq) };
  }

  private scheduleWake(feed: UserFeed): void {
    this.toWake.add(feed);
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    queueMicrotask(() => this.wake());
  }

  private wake(): void {
    this.wakeScheduled = false;
    const feeds = [...this.toWake];
    this.toWake.clear();
    const memo: BatchMemo = { record: undefined, batch: undefined };
    for (const feed of feeds) {
      const parked = feed.waiters;
      let stillWaiting: Waiter[] | undefined;
      // Polls of one user usually share `since`: reuse the batch while it does not change.
      let batchSince = -1;
      let batch: SyncBatch | undefined;
      for (const waiter of parked) {
        if (waiter.since < feed.floor) {
          this.detach(waiter);
          waiter.reject(invalidSyncToken("expired"));
          continue;
        }
        if (waiter.since !== batchSince) {
          batch = this.collect(feed, waiter.since, memo);
          batchSince = waiter.since;
        }
        if (batch === undefined) {
          (stillWaiting ??= []).push(waiter);
          continue;
        }
        this.detach(waiter);
        waiter.resolve(batch);
      }
      // One clear instead of a delete per woken poll, which would make the set rehash as it shrinks.
      parked.clear();
      if (stillWaiting !== undefined) for (const waiter of stillWaiting) parked.add(waiter);
      this.forgetIfIdle(feed);
    }
  }

  /** Answers the oldest parked polls of `session` and of the feed's user while either is at its bound. */
  private makeRoom(feed: UserFeed, session: string | undefined): void {
    const ofSession = session === undefined ? undefined : feed.sessions?.get(session);
    while (ofSession !== undefined && ofSession.size >= this.maxWaitsPerSession) this.displace(oldest(ofSession));
    while (feed.waiters.size >= this.maxWaitsPerAccount) this.displace(oldest(feed.waiters));
  }

  private displace(waiter: Waiter): void {
    this.displaced++;
    this.answer(waiter);
  }

  private expire(expired: Waiter[]): void {
    for (const waiter of expired) this.answer(waiter);
  }

  /** Resolves a poll whose time is up with whatever is there (normally nothing). */
  private answer(waiter: Waiter): void {
    this.release(waiter);
    if (waiter.since < waiter.feed.floor) return waiter.reject(invalidSyncToken("expired"));
    waiter.resolve(this.collect(waiter.feed, waiter.since) ?? this.empty());
  }

  /** Forgets a parked poll and everything it holds; idempotent. */
  private release(waiter: Waiter): void {
    if (waiter.settled) return;
    this.detach(waiter);
    waiter.feed.waiters.delete(waiter);
    this.forgetIfIdle(waiter.feed);
  }

  /** Everything `release` does except leaving the feed's waiter set, for callers that clear it themselves. */
  private detach(waiter: Waiter): void {
    waiter.settled = true;
    this.waiterCount--;
    if (waiter.session !== undefined) {
      const sessions = waiter.feed.sessions!;
      const ofSession = sessions.get(waiter.session)!;
      ofSession.delete(waiter);
      if (ofSession.size === 0) sessions.delete(waiter.session);
    }
    this.deadlines.remove(waiter);
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener("abort", waiter.onAbort);
    waiter.onAbort = undefined;
    waiter.signal = undefined;
  }

  private forgetIfIdle(feed: UserFeed): void {
    if (feed.idle && this.feeds.get(feed.user) === feed) this.feeds.delete(feed.user);
  }

  /** Drops the oldest publishes while they are too old or too many. O(recipients dropped). */
  private evict(now: number): void {
    const cutoff = now - this.retentionMs;
    for (let oldest = this.log.peekFirst(); oldest !== undefined; oldest = this.log.peekFirst()) {
      if (oldest.at > cutoff && this.deliveries <= this.maxRetainedDeliveries) break;
      this.log.shift();
      this.horizon = oldest.seq;
      for (const feed of oldest.feeds) {
        // Feeds drop in seq order, so a record still held by a feed is its oldest.
        if (feed.events.peekFirst() !== oldest) continue;
        feed.events.shift();
        feed.floor = oldest.seq;
        this.deliveries--;
        this.forgetIfIdle(feed);
      }
    }
  }
}

function oldest(waiters: Set<Waiter>): Waiter {
  return waiters.values().next().value!;
}

function overloaded(retryAfterSeconds: number): MirageError {
  return new MirageError(ErrorCodes.overloaded, "Too many clients are waiting for events right now; try again shortly.", {
    details: { retryAfterSeconds },
  });
}

function positive(value: number, name: string): number {
  if (!(value > 0)) throw new RangeError(`${name} must be positive`);
  return value;
}

interface BatchMemo {
  record: Published | undefined;
  batch: SyncBatch | undefined;
}
