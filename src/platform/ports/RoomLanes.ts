import type { OutboxEntryInput } from "./Outbox.js";

/** One room event waiting in its room's lane, with what its failed attempts so far left behind. */
export interface LaneEvent {
  roomId: string;
  /** Position in the lane; unique across lanes, increasing in arrival order. */
  seq: number;
  /** The event as received from the homeserver. */
  event: Record<string, unknown>;
  /** Failed attempts counted against the retry budget. */
  attempts: number;
  firstFailureAt?: number;
  lastFailureAt?: number;
  /** Not to be tried before this time (backoff after a failure). */
  notBefore?: number;
  /** Short code of the last failure (HTTP status, errcode, error code) — never message content. */
  lastError?: string;
}

/** A failure being recorded against a lane's head. */
export interface LaneFailure {
  at: number;
  error: string;
}

/**
 * Durable per-room lanes of accepted room events. Events of one room are handled in lane
 * order; lanes are independent, so one room's stuck event never holds another room.
 * Filled by `TransactionInbox.fanOut`; drained by the lane scheduler.
 */
export interface RoomLanes {
  /** The head of every non-empty lane whose room sorts after `after` (in room order), at most `limit`. */
  heads(after: string | undefined, limit: number): Promise<LaneEvent[]>;
  /** The first waiting event of a room's lane. */
  head(roomId: string): Promise<LaneEvent | undefined>;
  /** Removes the event from its lane atomically with queuing the sends its handling produced. */
  complete(entry: LaneEvent, effects: readonly OutboxEntryInput[]): Promise<void>;
  /** Counts a failed attempt on the event and stores when it may be tried again; returns the updated entry. */
  recordFailure(entry: LaneEvent, failure: LaneFailure & { notBefore: number }): Promise<LaneEvent>;
  /** Moves the event out of its lane into the dead letters in one batch, so its room goes on. */
  deadLetter(entry: LaneEvent, failure: LaneFailure): Promise<void>;
  /** Events waiting in all lanes. */
  size(): Promise<number>;
}
