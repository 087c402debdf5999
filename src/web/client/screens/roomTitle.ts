import type { ApiRoom } from "../transport.js";

/** A room's name as shown; a DM (which has none) is named after the other person when known. */
export function roomTitle(room: ApiRoom, me: string): string {
  if (room.kind !== "dm" || room.name) return room.name || "Unnamed room";
  const other = room.members?.find((m) => m.member !== me)?.member ?? (room.createdBy !== me ? room.createdBy : undefined);
  return other ? `Direct message with ${other}` : "Direct message";
}
