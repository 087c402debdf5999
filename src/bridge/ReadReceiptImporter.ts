import type { Logger } from "../log/createLogger.js";
import type { ChatService } from "../platform/chat/ChatService.js";
import { MirageError } from "../platform/errors/MirageError.js";
import { asMessageId, asRoomId, type MatrixUserId } from "../platform/ids.js";
import { people } from "../platform/people/people.js";
import type { IdMapping } from "../platform/ports/IdMapping.js";
import { readReceiptsOf } from "./convert/readReceiptsOf.js";

export interface ReadReceiptImporterDeps {
  chat: Pick<ChatService, "markRead">;
  mapping: Pick<IdMapping, "byRoom" | "byEvent">;
  /** Whether a Matrix user ID is one of Mirage's own (the bot or a ghost): their receipts are Mirage's own, echoed. */
  isOwnUser(userId: string): boolean;
  logger: Logger;
}

/** Ephemeral events waiting at most; beyond it new ones are dropped (receipts are best effort, and a later one supersedes them). */
const QUEUE_MAX = 1000;

/**
 * Matrix → platform for read receipts: a Matrix member's public `m.read` receipt in a portal on an
 * event that stands for a message moves their read marker there, with a Matrix origin (so it is
 * not sent back). Best effort, as the homeserver pushes receipts: one at a time in arrival order,
 * never persisted, and whatever cannot be applied (an unknown room or event, someone not in the
 * room, a malformed event) is skipped.
 */
export class ReadReceiptImporter {
  private readonly log: Logger;
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(private readonly deps: ReadReceiptImporterDeps) {
    this.log = deps.logger.child({ component: "read-receipts" });
  }

  /** Queues an ephemeral event (any type; only receipts are used). Never throws. */
  observe(event: Record<string, unknown>): void {
    if (event.type !== "m.receipt") return;
    if (this.waiting >= QUEUE_MAX) {
      this.log.debug({ waiting: this.waiting }, "read receipts dropped: too many waiting");
      return;
    }
    this.waiting += 1;
    this.tail = this.tail.then(() => this.apply(event)).finally(() => void (this.waiting -= 1));
  }

  /** Resolves once every receipt observed so far was applied or skipped. */
  idle(): Promise<void> {
    return this.tail;
  }

  /** Applies one ephemeral event's receipts. Never rejects. */
  async apply(event: unknown): Promise<void> {
    for (const receipt of readReceiptsOf(event)) {
      if (this.deps.isOwnUser(receipt.userId)) continue;
      try {
        const room = await this.deps.mapping.byRoom(receipt.roomId);
        if (room?.kind !== "room") continue;
        const link = await this.deps.mapping.byEvent(receipt.eventId);
        if (link?.ref.kind !== "message" || link.roomId !== receipt.roomId) {
          this.log.debug({ roomId: receipt.roomId, eventId: receipt.eventId }, "read receipt on an event that is no message here: skipped");
          continue;
        }
        await this.deps.chat.markRead(people.matrix(receipt.userId as MatrixUserId), asRoomId(room.id), asMessageId(link.ref.id), {
          origin: { roomId: receipt.roomId, eventId: receipt.eventId, ephemeral: true },
        });
      } catch (error) {
        // Someone who is not (or no longer) a member, a message gone: the receipt has nothing to mark.
        if (error instanceof MirageError) this.log.debug({ roomId: receipt.roomId, code: error.code }, "read receipt skipped");
        else this.log.warn({ roomId: receipt.roomId, err: error }, "read receipt not applied");
      }
    }
  }
}
