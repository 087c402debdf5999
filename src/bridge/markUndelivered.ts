import type { Logger } from "../log/createLogger.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import { asMessageId, type MessageId } from "../platform/ids.js";
import type { OutboxEntry, PermanentFailure } from "../platform/ports/Outbox.js";

/** What the bridge needs of the platform to mark a message that never reached Matrix. */
export interface DeliveryMarks {
  markDeliveryFailed(messageId: MessageId, reason: string): Promise<unknown>;
}

/** The platform message an outbox entry carried (its send, or an edit of it), if any. */
export function undeliveredMessage(entry: OutboxEntry): MessageId | undefined {
  if (entry.op !== "send") return undefined;
  if (entry.ref?.kind === "message") return asMessageId(entry.ref.id);
  if (entry.relation?.type === "edit" && entry.relation.target.kind === "message") return asMessageId(entry.relation.target.id);
  return undefined;
}

/** What the platform is told: the homeserver's errcode when it refused (`M_TOO_LARGE`), else why the outbox gave up. */
export function deliveryReason(failure: PermanentFailure): string {
  return /\bM_[A-Z0-9_]{1,60}$/.exec(failure.error)?.[0] ?? failure.reason;
}

/**
 * The outbox's permanent-failure report: the message whose send (or edit) will never reach Matrix
 * is marked `delivery: failed` on the platform with `deliveryReason`, and counted by the outbox's reason. A
 * message gone since is nothing to mark; any other error leaves the report pending for a retry.
 */
export function markUndelivered(deps: { chat: DeliveryMarks; logger: Logger; counted(reason: string): void }): (entry: OutboxEntry, failure: PermanentFailure) => Promise<void> {
  const log = deps.logger.child({ component: "bridge-delivery" });
  return async (entry, failure) => {
    const messageId = undeliveredMessage(entry);
    if (messageId === undefined) return;
    try {
      await deps.chat.markDeliveryFailed(messageId, deliveryReason(failure));
    } catch (error) {
      if (error instanceof MirageError && error.code === ErrorCodes.notFound) return;
      throw error;
    }
    deps.counted(failure.reason);
    log.info({ messageId, reason: failure.reason, error: failure.error }, "message marked as not delivered to Matrix");
  };
}
