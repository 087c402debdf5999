import type { Logger } from "../log/createLogger.js";
import type { OutboxEntryInput } from "../platform/ports/Outbox.js";
import type { TransactionInbox } from "../platform/ports/TransactionInbox.js";
import type { AppserviceMetrics } from "./appserviceMetrics.js";
import type { EventHandler } from "./EventHandler.js";
import { isTransientError } from "./isTransientError.js";
import { parseRoomEvent } from "./matrixEvent.js";

export interface TransactionProcessorDeps {
  inbox: TransactionInbox;
  handlers: readonly EventHandler[];
  logger: Logger;
  metrics: AppserviceMetrics;
  /** Called after effects were committed, so the outbox sends them. */
  onEffects(): void;
  now?: () => number;
}

/**
 * Drains acknowledged transactions in arrival order. Each event's completion is stored with
 * its effects, so a restart resumes at the first unhandled event and nothing runs twice.
 */
export class TransactionProcessor {
  private readonly log: Logger;

  constructor(private readonly deps: TransactionProcessorDeps) {
    this.log = deps.logger.child({ component: "transactions" });
  }

  /** Handles every pending event; throws (leaving the rest pending) on a transient failure. */
  async drain(): Promise<void> {
    const now = this.deps.now ?? Date.now;
    for (const txn of await this.deps.inbox.pending()) {
      for (let index = txn.nextEvent; index < txn.body.events.length; index++) {
        const effects = await this.handleOne(txn.body.events[index], txn.txnId, index);
        await this.deps.inbox.completeEvent(txn.txnId, index, effects);
        if (effects.length > 0) this.deps.onEffects();
      }
      await this.deps.inbox.complete(txn.txnId, now());
    }
  }

  private async handleOne(raw: unknown, txnId: string, index: number): Promise<OutboxEntryInput[]> {
    const event = parseRoomEvent(raw);
    if (!event) {
      this.deps.metrics.handled.inc({ outcome: "malformed" });
      this.log.warn({ txnId, index }, "skipping malformed event");
      return [];
    }
    const effects: OutboxEntryInput[] = [];
    const sink = { send: (entry: OutboxEntryInput) => void effects.push(entry) };
    try {
      for (const handler of this.deps.handlers) await handler.handle(event, sink);
      this.deps.metrics.handled.inc({ outcome: "ok" });
      return effects;
    } catch (error) {
      if (isTransientError(error)) {
        this.deps.metrics.handled.inc({ outcome: "retried" });
        throw error;
      }
      this.deps.metrics.handled.inc({ outcome: "failed" });
      this.log.error(
        { txnId, eventId: event.eventId, roomId: event.roomId, eventType: event.type, err: error },
        "event handler failed; event skipped",
      );
      return [];
    }
  }
}
