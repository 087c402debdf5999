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
export class OutboxSender {
  private readonly log: Logger;

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
          { outboxId: entry.id, roomId: entry.roomId, eventType: entry.eventType, status, errcode },
          "homeserver refused a queued send; dropped",
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
      await client.doRequest(
        "PUT",
        `/_matrix/client/v3/rooms/${room}/send/${enc(entry.eventType)}/${enc(`mirage.${entry.id}`)}`,
        null,
        entry.content,
      );
    }
  }

  private async clientFor(userId: string): Promise<MatrixClient> {
    if (userId === this.appservice.botUserId) return this.appservice.botClient;
    const intent = this.appservice.getIntentForUserId(userId);
    await intent.ensureRegistered();
    return intent.underlyingClient;
  }
}
