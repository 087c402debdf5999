/** What to send to Matrix, as queued by a handler. */
export interface OutboxEntryInput {
  /** Matrix user ID to send as (the bot or a ghost). */
  sender: string;
  roomId: string;
  eventType: string;
  /** Present for state events. */
  stateKey?: string;
  content: Record<string, unknown>;
}

export interface OutboxEntry extends OutboxEntryInput {
  /** Unique, ordered; also the Matrix transaction id, so a retried send is not duplicated. */
  id: string;
  createdAt: number;
  attempts: number;
}

/** Durable FIFO of outbound Matrix sends, drained in order by one worker. */
export interface Outbox {
  enqueue(entries: readonly OutboxEntryInput[], now: number): Promise<void>;
  /** The oldest entries, up to `limit`. */
  peek(limit: number): Promise<OutboxEntry[]>;
  remove(id: string): Promise<void>;
  recordAttempt(id: string): Promise<void>;
  size(): Promise<number>;
}
