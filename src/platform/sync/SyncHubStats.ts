/** Counts for `/metrics`, health and leak checks. */
export interface SyncHubStats {
  /** Users with retained events or parked polls. */
  users: number;
  /** Parked polls. */
  waiters: number;
  /** Polls answered early, since the start, to make room for a newer one of the same session or user. */
  displaced: number;
  /** Polls refused, since the start, because `maxWaits` were parked. */
  refused: number;
  /** Retained (event, recipient) pairs. */
  deliveries: number;
  /** Retained distinct events. */
  events: number;
  /** Whether the single deadline timer is armed; false whenever no poll is parked. */
  timerArmed: boolean;
  /** The sequence number of the latest publish. */
  seq: number;
}
