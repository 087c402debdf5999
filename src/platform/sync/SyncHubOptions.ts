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
  /** Clock for deadlines and retention. Default `Date.now`. */
  now?: () => number;
}
