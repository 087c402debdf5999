import type { Logger } from "../log/createLogger.js";
import type { OutboxEntryInput } from "../platform/ports/Outbox.js";
import type { AppserviceTransaction, TransactionInbox } from "../platform/ports/TransactionInbox.js";
import type { ParkedEvent, UndecryptableEvents } from "../platform/ports/UndecryptableEvents.js";
import type { AppserviceMetrics } from "./appserviceMetrics.js";
import type { EventHandler } from "./EventHandler.js";
import { isTransientError } from "./isTransientError.js";
import { parseRoomEvent } from "./matrixEvent.js";

/** What the processor needs from the encryption layer (absent when encryption is off). */
export interface ProcessorCrypto {
  hasSyncData(body: AppserviceTransaction): boolean;
  /** Resolves once the effects on the machines are durable. */
  handleSyncData(txnId: string, body: AppserviceTransaction): Promise<void>;
  observe(event: Record<string, unknown>): Promise<void>;
  /** Throws a non-transient error when no key is available (yet). */
  decrypt(event: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export interface TransactionProcessorDeps {
  inbox: TransactionInbox;
  handlers: readonly EventHandler[];
  logger: Logger;
  metrics: AppserviceMetrics;
  /** Called after effects were committed, so the outbox sends them. */
  onEffects(): void;
  crypto?: ProcessorCrypto | undefined;
  undecryptable?: UndecryptableEvents | undefined;
  /** Who reports events that never decrypt, and after how long. */
  botUserId?: string;
  reportUndecryptableAfterMs?: number;
  now?: () => number;
}

/**
 * Drains acknowledged transactions in arrival order. Device data goes to the crypto layer
 * first; each event's completion is stored with its effects, so a restart resumes at the
 * first unhandled event and nothing runs twice. Events that cannot be decrypted yet are
 * parked and retried when keys arrive.
 */
export class TransactionProcessor {
  private readonly log: Logger;
  private readonly now: () => number;
  private parkedRetryDue = false;

  constructor(private readonly deps: TransactionProcessorDeps) {
    this.log = deps.logger.child({ component: "transactions" });
    this.now = deps.now ?? Date.now;
  }

  /** Handles every pending event; throws (leaving the rest pending) on a transient failure. */
  async drain(): Promise<void> {
    const { crypto, inbox } = this.deps;
    let newKeysMayHaveArrived = false;
    for (const txn of await inbox.pending()) {
      if (crypto && !txn.syncDataHandled && crypto.hasSyncData(txn.body)) {
        await crypto.handleSyncData(txn.txnId, txn.body);
        await inbox.completeSyncData(txn.txnId);
        newKeysMayHaveArrived = true;
      }
      for (let index = txn.nextEvent; index < txn.body.events.length; index++) {
        const effects = await this.handleOne(txn.body.events[index], txn.txnId, index);
        await inbox.completeEvent(txn.txnId, index, effects);
        if (effects.length > 0) this.deps.onEffects();
      }
      await inbox.complete(txn.txnId, this.now());
    }
    if (newKeysMayHaveArrived || this.parkedRetryDue) await this.retryParked();
  }

  /** Asks the next drain to retry parked events even if no new keys arrived (called on a timer). */
  markParkedRetryDue(): void {
    this.parkedRetryDue = true;
  }

  /** Retries parked events: handled when they decrypt, reported once when they never do. */
  async retryParked(): Promise<void> {
    const { crypto, undecryptable } = this.deps;
    this.parkedRetryDue = false;
    if (!crypto || !undecryptable) return;
    for (const parked of await undecryptable.list(200)) {
      let decrypted: Record<string, unknown>;
      try {
        decrypted = await crypto.decrypt(parked.event);
      } catch (error) {
        if (isTransientError(error)) throw error;
        if (this.now() - parked.firstSeen >= (this.deps.reportUndecryptableAfterMs ?? 600_000)) {
          await undecryptable.resolve(parked.eventId, this.reportUndecryptable(parked));
          this.deps.metrics.undecryptable.inc({ outcome: "reported" });
          this.log.warn({ eventId: parked.eventId, roomId: parked.roomId, attempts: parked.attempts }, "event never decrypted; reported");
          this.deps.onEffects();
        } else {
          await undecryptable.recordAttempt(parked.eventId);
        }
        continue;
      }
      const effects = await this.runHandlers(decrypted, { eventId: parked.eventId });
      await undecryptable.resolve(parked.eventId, effects);
      this.deps.metrics.undecryptable.inc({ outcome: "recovered" });
      if (effects.length > 0) this.deps.onEffects();
    }
  }

  private async handleOne(raw: unknown, txnId: string, index: number): Promise<OutboxEntryInput[]> {
    const event = parseRoomEvent(raw);
    if (!event) {
      this.deps.metrics.handled.inc({ outcome: "malformed" });
      this.log.warn({ txnId, index }, "skipping malformed event");
      return [];
    }
    let clear = raw as Record<string, unknown>;
    const { crypto, undecryptable } = this.deps;
    if (event.type === "m.room.encrypted" && crypto && undecryptable) {
      try {
        clear = await crypto.decrypt(clear);
      } catch (error) {
        if (isTransientError(error)) throw error;
        await undecryptable.park({ eventId: event.eventId, roomId: event.roomId, event: clear, firstSeen: this.now(), attempts: 1 });
        this.deps.metrics.undecryptable.inc({ outcome: "parked" });
        this.log.info({ txnId, eventId: event.eventId, roomId: event.roomId }, "cannot decrypt yet; parked until keys arrive");
        return [];
      }
    }
    return this.runHandlers(clear, { txnId, eventId: event.eventId });
  }

  private async runHandlers(raw: Record<string, unknown>, where: Record<string, unknown>): Promise<OutboxEntryInput[]> {
    const event = parseRoomEvent(raw);
    if (!event) {
      this.deps.metrics.handled.inc({ outcome: "malformed" });
      this.log.warn(where, "skipping malformed event");
      return [];
    }
    const effects: OutboxEntryInput[] = [];
    const sink = { send: (entry: OutboxEntryInput) => void effects.push(entry) };
    try {
      await this.deps.crypto?.observe(raw);
      for (const handler of this.deps.handlers) await handler.handle(event, sink);
      this.deps.metrics.handled.inc({ outcome: "ok" });
      return effects;
    } catch (error) {
      if (isTransientError(error)) {
        this.deps.metrics.handled.inc({ outcome: "retried" });
        throw error;
      }
      this.deps.metrics.handled.inc({ outcome: "failed" });
      this.log.error({ ...where, roomId: event.roomId, eventType: event.type, err: error }, "event handler failed; event skipped");
      return [];
    }
  }

  private reportUndecryptable(parked: ParkedEvent): OutboxEntryInput[] {
    if (!this.deps.botUserId) return [];
    const sender = typeof parked.event.sender === "string" ? parked.event.sender : "someone";
    const body =
      `⚠️ I could not decrypt a message from ${sender}, so it was not handled. ` +
      "If it was a command, please send it again; your client may need to share its keys with Mirage's device.";
    return [
      {
        sender: this.deps.botUserId,
        roomId: parked.roomId,
        eventType: "m.room.message",
        content: { msgtype: "m.notice", body, "m.relates_to": { "m.in_reply_to": { event_id: parked.eventId } } },
      },
    ];
  }
}
