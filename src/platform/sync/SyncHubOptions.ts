/** Limits for a SyncHub; the defaults suit a single process serving thousands of users. */
export interface SyncHubOptions {
  /** Most events kept per user; older ones are dropped first. Default 256. */
  maxEventsPerUser?: number;
  /** How long an event is kept, in ms. Default 10 minutes. */
  retentionMs?: number;
  /** Most (event, recipient) pairs kept in total, the hard memory bound. Default 500,000. */
  maxRetainedDeliveries?: number;
  /** Most events one poll returns; the rest come with the next poll. Default 100. */
  batchLimit?: number;
  /** Longer poll timeouts are shortened to this, in ms. Default 120,000. */
  maxTimeoutMs?: number;
  /**
   * Most polls one session may have parked; a new one past it answers the session's oldest at
   * once, as a timeout would. Default unlimited (the app passes `api.sync.maxWaitsPerSession`).
   */
  maxWaitsPerSession?: number;
  /** Most polls one user may have parked, across sessions; as `maxWaitsPerSession`. Default unlimited. */
  maxWaitsPerAccount?: number;
  /** Most polls parked in all; a poll that would park past it is refused with `OVERLOADED`. Default unlimited. */
  maxWaits?: number;
  /** The `retryAfterSeconds` of that refusal. Default 5. */
  retryAfterSeconds?: number;
  /** Clock for deadlines and retention. Default `Date.now`. */
  now?: () => number;
}
