import { Deque } from "./Deque.js";
import type { Scheduled } from "./DeadlineQueue.js";
import type { SyncBatch } from "./SyncBatch.js";
import type { SyncEvent } from "./SyncEvent.js";

/** One publish, shared by all its recipients' feeds. */
export interface Published {
  seq: number;
  /** When it was published, in the hub's clock; drives age-based retention. */
  at: number;
  event: SyncEvent;
  /** The feeds it was appended to, so global eviction can drop it from each in O(recipients). */
  feeds: UserFeed[];
}

/** A parked long-poll. */
export interface Waiter extends Scheduled {
  feed: UserFeed;
  /** The session that made the poll, when the caller named one; its parked polls are capped. */
  session: string | undefined;
  since: number;
  /** Set once the poll is answered or abandoned; it is then in no set, heap or listener. */
  settled: boolean;
  resolve: (batch: SyncBatch) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * What the hub keeps for one user: recent events in publish order and the polls parked on them.
 * It exists only while it holds events or waiters, so idle users cost nothing.
 */
export class UserFeed {
  readonly events = new Deque<Published>();
  /** Parked polls, oldest first. */
  readonly waiters = new Set<Waiter>();
  /** The same polls by session, oldest first, for those that named one; made on first use. */
  sessions: Map<string, Set<Waiter>> | undefined;

  /**
   * @param floor every event for this user with a seq above it is still in `events`; a poll
   *   from a position below it may have missed something and must start over.
   */
  constructor(
    readonly user: string,
    public floor: number,
  ) {}

  get idle(): boolean {
    return this.events.length === 0 && this.waiters.size === 0;
  }

  /** Up to `limit` events with seq > `since`, oldest first. O(log n + limit). */
  after(since: number, limit: number): Published[] {
    const events = this.events;
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events.at(mid)!.seq <= since) lo = mid + 1;
      else hi = mid;
    }
    const end = Math.min(events.length, lo + limit);
    const found: Published[] = [];
    for (let i = lo; i < end; i++) found.push(events.at(i)!);
    return found;
  }
}
