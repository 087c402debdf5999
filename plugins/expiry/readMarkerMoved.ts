import type { DomainEvent } from "../../src/platform/events/DomainEvent.js";

/** A read marker's move (`room.read`: `member` has read `roomId` up to `messageId`), or undefined for any other event. */
export function readMarkerMoved(event: DomainEvent): { roomId: string; member: string; messageId: string } | undefined {
  const e = event as { type: string; roomId?: unknown; member?: unknown; messageId?: unknown };
  if (e.type !== "room.read" || typeof e.roomId !== "string" || typeof e.member !== "string" || typeof e.messageId !== "string") return undefined;
  return { roomId: e.roomId, member: e.member, messageId: e.messageId };
}
