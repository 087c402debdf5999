import type { Appservice, MatrixClient } from "@vector-im/matrix-bot-sdk";
import type { Logger } from "../log/createLogger.js";
import type { Outbox, OutboxEntry } from "../platform/ports/Outbox.js";
import type { AppserviceMetrics } from "./appserviceMetrics.js";
import { failureCode } from "./failureCode.js";
import { isTransientError, isUnreachableError } from "./isTransientError.js";
import { budgetSpent, retryDelay, type RetryBudget } from "../platform/work/retryDelay.js";
import { WakeTimer } from "../platform/work/WakeTimer.js";

const enc = encodeURIComponent;
/** Entries read per store call while walking the queue. */
const PAGE = 50;

/** Raised instead of sending plaintext into an encrypted room without a crypto device. */
class PlaintextRefusedError extends Error {
  readonly statusCode = 400;
  constructor(roomId: string) {
    super(`refusing to send plaintext into encrypted room ${roomId}: encryption is not enabled`);
  }
}

export interface OutboxSenderOptions {
  budget: RetryBudget;
  /** Called when a waiting entry becomes due, so the loop drains again. */
  wake(): void;
  /** False while the homeserver is known to be unusable: nothing is tried (the caller drains again when it is back). */
  homeserverUsable?: () => boolean;
  now?: () => number;
  random?: () => number;
}

/**
 * Sends queued events in order per room. The outbox id is the Matrix transaction id, so a
 * send retried after a crash or timeout is deduplicated by the homeserver. A send the
 * homeserver refuses with 5xx/429 waits (capped, jittered backoff, persisted on the entry)
 * and holds only the later sends of its own room; after its retry budget it moves to the
 * dead letters and its room goes on. When no connection to the homeserver can be made, the
 * drain stops and the caller retries it as a whole (an outage concerns every room alike);
 * while the homeserver monitor says it is unusable, nothing is tried and no budget is spent.
 */
export class OutboxSender {
  private readonly log: Logger;
  private readonly knownEncrypted = new Set<string>();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly timer: WakeTimer;

  constructor(
    private readonly outbox: Outbox,
    private readonly appservice: Appservice,
    logger: Logger,
    private readonly metrics: AppserviceMetrics,
    private readonly options: OutboxSenderOptions,
  ) {
    this.log = logger.child({ component: "outbox" });
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.timer = new WakeTimer(options.wake, this.now);
  }

  /** Walks the queue once, sending what is due; throws when the homeserver is unreachable, leaving the entry queued. */
  async drain(): Promise<void> {
    // Rooms with an earlier entry still waiting in this pass: their later entries keep their place.
    const held = new Set<string>();
    let after: string | undefined;
    for (;;) {
      if (this.options.homeserverUsable?.() === false) return;
      const page = await this.outbox.peek(PAGE, after);
      if (page.length === 0) return;
      for (const entry of page) {
        after = entry.id;
        if (held.has(entry.roomId)) continue;
        if ((entry.notBefore ?? 0) > this.now()) {
          held.add(entry.roomId);
          this.timer.at(entry.notBefore!);
          continue;
        }
        if (!(await this.sendOne(entry))) held.add(entry.roomId);
      }
    }
  }

  stop(): void {
    this.timer.stop();
  }

  /** Sends one entry; resolves false when it has to wait and so holds its room. */
  private async sendOne(entry: OutboxEntry): Promise<boolean> {
    try {
      await this.send(entry);
      this.metrics.outboxSent.inc({ result: "sent" });
    } catch (error) {
      if (isUnreachableError(error)) {
        this.metrics.outboxSent.inc({ result: "retry" });
        throw error;
      }
      if (isTransientError(error)) return this.fail(entry, error);
      this.metrics.outboxSent.inc({ result: "dropped" });
      const status = (error as { statusCode?: number }).statusCode;
      const errcode = (error as { errcode?: string }).errcode;
      this.log.warn(
        { outboxId: entry.id, roomId: entry.roomId, eventType: entry.eventType, status, errcode, reason: (error as Error).message },
        "queued send refused; dropped",
      );
    }
    await this.outbox.remove(entry.id);
    return true;
  }

  private async fail(entry: OutboxEntry, error: unknown): Promise<boolean> {
    const { budget } = this.options;
    const at = this.now();
    const code = failureCode(error);
    const where = { outboxId: entry.id, roomId: entry.roomId, eventType: entry.eventType, attempts: entry.attempts + 1, error: code };
    if (budgetSpent(budget, entry.attempts, entry.firstFailureAt, at)) {
      await this.outbox.deadLetter(entry, { at, error: code });
      this.metrics.outboxSent.inc({ result: "dead-lettered" });
      this.metrics.deadLettered.inc({ source: "outbox" });
      this.log.warn({ ...where, failingForMs: at - (entry.firstFailureAt ?? at) }, "send dead-lettered after its retry budget; its room goes on");
      return true;
    }
    this.metrics.outboxSent.inc({ result: "retry" });
    const notBefore = at + retryDelay(budget, entry.attempts + 1, this.random);
    await this.outbox.recordFailure(entry.id, { at, error: code, notBefore });
    this.log[entry.attempts === 0 ? "warn" : "debug"]({ ...where, retryInMs: notBefore - at }, "send failed; its room waits, others go on");
    this.timer.at(notBefore);
    return false;
  }

  private async send(entry: OutboxEntry): Promise<void> {
    const client = await this.clientFor(entry.sender);
    const room = enc(entry.roomId);
    if (entry.stateKey !== undefined) {
      await client.doRequest(
        "PUT",
        `/_matrix/client/v3/rooms/${room}/state/${enc(entry.eventType)}/${enc(entry.stateKey)}`,
        null,
        entry.content,
      );
    } else {
      const { eventType, content } = await this.sealed(client, entry);
      await client.doRequest(
        "PUT",
        `/_matrix/client/v3/rooms/${room}/send/${enc(eventType)}/${enc(`mirage.${entry.id}`)}`,
        null,
        content,
      );
    }
  }

  /**
   * The event as it may leave Mirage: encrypted in encrypted rooms. Without a ready crypto
   * device the send is refused rather than leaking plaintext to the homeserver.
   */
  private async sealed(client: MatrixClient, entry: OutboxEntry): Promise<{ eventType: string; content: Record<string, unknown> }> {
    if (!(await this.isEncrypted(client, entry.roomId))) return { eventType: entry.eventType, content: entry.content };
    if (!client.crypto?.isReady) throw new PlaintextRefusedError(entry.roomId);
    // The bindings persist the ratchet before returning the ciphertext.
    const content = (await client.crypto.encryptRoomEvent(entry.roomId, entry.eventType, entry.content)) as unknown as Record<string, unknown>;
    return { eventType: "m.room.encrypted", content };
  }

  private async isEncrypted(client: MatrixClient, roomId: string): Promise<boolean> {
    if (client.crypto?.isReady) return client.crypto.isRoomEncrypted(roomId);
    if (this.knownEncrypted.has(roomId)) return true;
    try {
      await client.getRoomStateEvent(roomId, "m.room.encryption", "");
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return false;
      throw error;
    }
    // Encryption cannot be turned off in a room: remember it for good.
    this.knownEncrypted.add(roomId);
    return true;
  }

  private async clientFor(userId: string): Promise<MatrixClient> {
    if (userId === this.appservice.botUserId) return this.appservice.botClient;
    const intent = this.appservice.getIntentForUserId(userId);
    await intent.ensureRegistered();
    return intent.underlyingClient;
  }
}
