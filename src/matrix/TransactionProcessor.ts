import type { Logger } from "../log/createLogger.js";
import type { OutboxEntryInput } from "../platform/ports/Outbox.js";
import type { AppserviceTransaction, TransactionInbox } from "../platform/ports/TransactionInbox.js";
import type { ParkedEvent, UndecryptableEvents } from "../platform/ports/UndecryptableEvents.js";
import { deliveryFailure } from "./deliveryFailure.js";
import type { AppserviceMetrics } from "./appserviceMetrics.js";
import type { EventHandler } from "./EventHandler.js";
import { HandlerFailedError } from "./HandlerFailedError.js";
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
  /** Called after accepted room events were moved into their rooms' lanes. */
  onLanesFilled?: () => void;
  /**
   * Told a transaction's ephemeral events (receipts, typing) once its room events are in their
   * lanes; best effort, not durable (again if the transaction is taken apart again after a crash).
   */
  onEphemeral?: (events: readonly Record<string, unknown>[]) => void;
  crypto?: ProcessorCrypto | undefined;
  undecryptable?: UndecryptableEvents | undefined;
  /** Who reports events that never decrypt, and after how long. */
  botUserId?: string;
  reportUndecryptableAfterMs?: number;
  now?: () => number;
}

/**
 * Takes acknowledged transactions apart. `ingest` runs in arrival order and globally: device
 * data (to-device messages, device lists, key counts) goes to the crypto layer first, so keys
 * are in place before anything is decrypted; then the transaction's room events move into
 * their rooms' lanes in the batch that completes the transaction. `handleEvent` is what the
 * lane scheduler runs for each lane's head: its completion is stored with its effects, so
 * nothing runs twice. Events that cannot be decrypted yet are parked (and leave their lane)
 * and retried when keys arrive — a key-driven retry, separate from the lanes' retry budget.
 */
export class TransactionProcessor {
  private readonly log: Logger;
  private readonly now: () => number;
  private parkedRetryDue = false;

  constructor(private readonly deps: TransactionProcessorDeps) {
    this.log = deps.logger.child({ component: "transactions" });
    this.now = deps.now ?? Date.now;
  }

  /** Hands device data to crypto and fans every pending transaction out into room lanes; throws (leaving the rest pending) on a transient failure. */
  async ingest(): Promise<void> {
    const { crypto, inbox } = this.deps;
    let newKeysMayHaveArrived = false;
    let filled = false;
    for (const txn of await inbox.pending()) {
      if (crypto && !txn.syncDataHandled && crypto.hasSyncData(txn.body)) {
        await crypto.handleSyncData(txn.txnId, txn.body);
        await inbox.completeSyncData(txn.txnId);
        newKeysMayHaveArrived = true;
      }
      const lanes = [];
      for (let index = txn.nextEvent; index < txn.body.events.length; index++) {
        const raw = txn.body.events[index];
        const event = parseRoomEvent(raw);
        if (!event) {
          this.deps.metrics.handled.inc({ outcome: "malformed" });
          this.log.warn({ txnId: txn.txnId, index }, "skipping malformed event");
          continue;
        }
        lanes.push({ roomId: event.roomId, event: raw as Record<string, unknown> });
      }
      await inbox.fanOut(txn.txnId, lanes, this.now());
      filled ||= lanes.length > 0;
      const ephemeral = txn.body.ephemeral ?? txn.body["de.sorunome.msc2409.ephemeral"];
      if (this.deps.onEphemeral && Array.isArray(ephemeral) && ephemeral.length > 0) this.deps.onEphemeral(ephemeral as Record<string, unknown>[]);
    }
    if (filled) this.deps.onLanesFilled?.();
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
        // Stays parked; the next key arrival or timer tries again. Never holds up ingest.
        if (isTransientError(error)) continue;
        if (this.now() - parked.firstSeen >= (this.deps.reportUndecryptableAfterMs ?? 600_000)) {
          await undecryptable.resolve(parked.eventId, this.reportUndecryptable(parked));
          this.deps.metrics.undecryptable.inc({ outcome: "reported" });
          if (this.deps.botUserId) this.deps.metrics.deliveryFailed.inc({ direction: "to_platform", reason: "undecryptable" });
          this.log.warn({ eventId: parked.eventId, roomId: parked.roomId, attempts: parked.attempts }, "event never decrypted; reported");
          this.deps.onEffects();
        } else {
          await undecryptable.recordAttempt(parked.eventId);
        }
        continue;
      }
      let effects: OutboxEntryInput[];
      try {
        effects = await this.runHandlers(decrypted, { eventId: parked.eventId });
      } catch (error) {
        if (isTransientError(error)) continue;
        if (!(error instanceof HandlerFailedError)) throw error;
        // Logged by runHandlers; a parked event has no lane to dead-letter from.
        effects = [];
      }
      await undecryptable.resolve(parked.eventId, effects);
      this.deps.metrics.undecryptable.inc({ outcome: "recovered" });
      if (effects.length > 0) this.deps.onEffects();
    }
  }

  /**
   * Handles one room event (a lane's head) and returns what it wants sent. Throws transient
   * failures (the lane retries them) and `HandlerFailedError` (the lane dead-letters the event).
   */
  async handleEvent(raw: Record<string, unknown>): Promise<OutboxEntryInput[]> {
    const event = parseRoomEvent(raw);
    if (!event) {
      this.deps.metrics.handled.inc({ outcome: "malformed" });
      this.log.warn({}, "skipping malformed event");
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
        this.log.info({ eventId: event.eventId, roomId: event.roomId }, "cannot decrypt yet; parked until keys arrive");
        return [];
      }
    }
    return this.runHandlers(clear, { eventId: event.eventId });
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
      this.log.error({ ...where, roomId: event.roomId, eventType: event.type, err: error }, "event handler failed");
      throw new HandlerFailedError(error);
    }
  }

  /** A delivery-status event and a short notice, replying to the event that never decrypted. */
  private reportUndecryptable(parked: ParkedEvent): OutboxEntryInput[] {
    if (!this.deps.botUserId) return [];
    const text =
      "I could not decrypt this message, so it was not handled. If it was a command, please send it again; " +
      "your client may need to share its keys with Mirage's device.";
    return deliveryFailure({ roomId: parked.roomId, eventId: parked.eventId, content: {} }, this.deps.botUserId, "undecryptable", text);
  }
}
