import type { Appservice, MatrixClient } from "@vector-im/matrix-bot-sdk";
import type { Logger } from "../log/createLogger.js";
import type { Outbox, OutboxEntry } from "../platform/ports/Outbox.js";
import type { AppserviceMetrics } from "./appserviceMetrics.js";
import { isTransientError } from "./isTransientError.js";

const enc = encodeURIComponent;

/**
 * Sends queued events in order. The outbox id is the Matrix transaction id, so a send
 * retried after a crash or timeout is deduplicated by the homeserver.
 */
/** Raised instead of sending plaintext into an encrypted room without a crypto device. */
class PlaintextRefusedError extends Error {
  readonly statusCode = 400;
  constructor(roomId: string) {
    super(`refusing to send plaintext into encrypted room ${roomId}: encryption is not enabled`);
  }
}

export class OutboxSender {
  private readonly log: Logger;
  private readonly knownEncrypted = new Set<string>();

  constructor(
    private readonly outbox: Outbox,
    private readonly appservice: Appservice,
    logger: Logger,
    private readonly metrics: AppserviceMetrics,
  ) {
    this.log = logger.child({ component: "outbox" });
  }

  /** Sends until the outbox is empty; throws on a transient failure, leaving the entry queued. */
  async drain(): Promise<void> {
    for (;;) {
      const [entry] = await this.outbox.peek(1);
      if (!entry) return;
      try {
        await this.send(entry);
        this.metrics.outboxSent.inc({ result: "sent" });
      } catch (error) {
        if (isTransientError(error)) {
          this.metrics.outboxSent.inc({ result: "retry" });
          await this.outbox.recordAttempt(entry.id);
          throw error;
        }
        this.metrics.outboxSent.inc({ result: "dropped" });
        const status = (error as { statusCode?: number }).statusCode;
        const errcode = (error as { errcode?: string }).errcode;
        this.log.warn(
          { outboxId: entry.id, roomId: entry.roomId, eventType: entry.eventType, status, errcode, reason: (error as Error).message },
          "queued send refused; dropped",
        );
      }
      await this.outbox.remove(entry.id);
    }
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
