/** The fields of a room event Mirage relies on, checked; anything else stays in `content`. */
export interface RoomEvent {
  type: string;
  roomId: string;
  sender: string;
  eventId: string;
  originServerTs: number;
  stateKey: string | undefined;
  content: Record<string, unknown>;
  /** A redaction's target: `redacts` at the top level (room versions < 11) or in the content (≥ 11). */
  redacts?: string;
}

/** Returns undefined for anything that is not a well-formed room event. */
export function parseRoomEvent(raw: unknown): RoomEvent | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const e = raw as Record<string, unknown>;
  const content = e.content;
  if (
    typeof e.type !== "string" ||
    typeof e.room_id !== "string" ||
    typeof e.sender !== "string" ||
    typeof e.event_id !== "string" ||
    typeof content !== "object" ||
    content === null ||
    Array.isArray(content)
  ) {
    return undefined;
  }
  return {
    type: e.type,
    roomId: e.room_id,
    sender: e.sender,
    eventId: e.event_id,
    originServerTs: typeof e.origin_server_ts === "number" ? e.origin_server_ts : Date.now(),
    stateKey: typeof e.state_key === "string" ? e.state_key : undefined,
    content: content as Record<string, unknown>,
    ...redactsOf(e, content as Record<string, unknown>),
  };
}

function redactsOf(e: Record<string, unknown>, content: Record<string, unknown>): { redacts?: string } {
  if (e.type !== "m.room.redaction") return {};
  const target = typeof content.redacts === "string" ? content.redacts : e.redacts;
  return typeof target === "string" ? { redacts: target } : {};
}
