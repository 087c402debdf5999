/** Counts for `/metrics`, health and leak checks. */
export interface SyncHubStats {
  /** Users with retained events or parked polls. */
  users: number;
  /** Parked polls. */
  waiters: number;
  /** Retained (event, recipient) pairs. */
  deliveries: number;
  /** Retained distinct events. */
  events: number;
  /** Whether the single deadline timer is armed; false whenever no poll is parked. */
  timerArmed: boolean;
  /** The sequence number of the latest publish. */
  seq: number;
}
