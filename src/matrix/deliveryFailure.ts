import type { RoomEvent } from "./matrixEvent.js";
import type { OutboxEntryInput } from "../platform/ports/Outbox.js";

/** Why a Matrix message did not reach the platform, as `com.beeper.message_send_status` reasons. */
export type DeliveryFailureReason = "no_permission" | "invalid" | "unsupported" | "undecryptable";

const REASONS: Record<DeliveryFailureReason, string> = {
  no_permission: "m.no_permission",
  invalid: "m.event_not_handled",
  unsupported: "m.unsupported",
  undecryptable: "m.undecryptable",
};

/**
 * What tells a Matrix user their event did not reach Mirage: a `com.beeper.message_send_status`
 * (FAIL_PERMANENT) referencing it, and a short notice replying to it (inside its thread when it was
 * in one). `text` is the platform's user-facing refusal; it never quotes the event's content.
 */
export function deliveryFailure(event: Pick<RoomEvent, "roomId" | "eventId" | "content">, sender: string, reason: DeliveryFailureReason, text: string): OutboxEntryInput[] {
  const body = `⚠️ Not delivered to Mirage: ${text.slice(0, 300)}`;
  const rel = event.content["m.relates_to"] as { rel_type?: unknown; event_id?: unknown } | undefined;
  const inThread = typeof rel === "object" && rel !== null && rel.rel_type === "m.thread" && typeof rel.event_id === "string";
  const replyTo = inThread
    ? { rel_type: "m.thread", event_id: rel.event_id, is_falling_back: false, "m.in_reply_to": { event_id: event.eventId } }
    : { "m.in_reply_to": { event_id: event.eventId } };
  return [
    {
      op: "send",
      sender,
      roomId: event.roomId,
      eventType: "com.beeper.message_send_status",
      content: {
        "m.relates_to": { rel_type: "m.reference", event_id: event.eventId },
        status: "FAIL_PERMANENT",
        reason: REASONS[reason],
        message: text.slice(0, 300),
      },
    },
    { op: "send", sender, roomId: event.roomId, eventType: "m.room.message", content: { msgtype: "m.notice", body, "m.relates_to": replyTo } },
  ];
}
