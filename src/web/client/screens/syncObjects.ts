import type { ApiMessage, SyncEvent } from "../transport.js";

/** The message a sync event carries, when the server sent it (else fetch it). */
export function messageObject(event: SyncEvent): ApiMessage | undefined {
  const object = event.object as Record<string, unknown> | undefined;
  if (!object || typeof object !== "object") return undefined;
  const candidate = (object.message ?? object) as Partial<ApiMessage>;
  return typeof candidate.id === "string" && typeof candidate.seq === "number" && typeof candidate.html === "string" ? (candidate as ApiMessage) : undefined;
}

/** Reaction counts a reaction event carries, when the server sent them. */
export function countsObject(event: SyncEvent): { reactions: Record<string, number>; myReactions?: string[] } | undefined {
  const object = event.object as Record<string, unknown> | undefined;
  if (!object || typeof object !== "object") return undefined;
  const counts = (object.counts ?? object) as { reactions?: unknown; myReactions?: unknown };
  const reactions = counts.reactions ?? (object.counts && typeof object.counts === "object" && !("reactions" in object.counts) ? object.counts : undefined);
  if (!reactions || typeof reactions !== "object") return undefined;
  return { reactions: reactions as Record<string, number>, ...(Array.isArray(counts.myReactions) ? { myReactions: counts.myReactions as string[] } : {}) };
}

/** The room a sync event concerns, wherever its type keeps it. */
export function roomOf(event: SyncEvent): string | undefined {
  const target = event.data.target as { roomId?: string } | undefined;
  return event.roomId ?? event.data.roomId ?? target?.roomId;
}
