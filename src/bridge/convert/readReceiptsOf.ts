/** One public read receipt: `userId` read `roomId` up to `eventId`. */
export interface ReadReceipt {
  roomId: string;
  eventId: string;
  userId: string;
}

/** Receipts taken from one `m.receipt` event at most; a homeserver batches a room's receipts, never this many. */
export const RECEIPTS_PER_EVENT_MAX = 200;

const MATRIX_ID_MAX = 255;
const isId = (value: unknown, sigil: string): value is string =>
  typeof value === "string" && value.length > 1 && value.length <= MATRIX_ID_MAX && value.startsWith(sigil) && !/\s/.test(value);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The public read receipts (`m.read`) of an ephemeral event pushed to the appservice, whatever its
 * shape: anything that is not an `m.receipt` with well-formed room, event and user IDs gives none.
 * Private receipts (`m.read.private`) are never pushed to others and are ignored; a threaded
 * receipt (`thread_id`) still marks its event read.
 */
export function readReceiptsOf(event: unknown): ReadReceipt[] {
  if (!isObject(event) || event.type !== "m.receipt" || !isId(event.room_id, "!") || !isObject(event.content)) return [];
  const roomId = event.room_id;
  const out: ReadReceipt[] = [];
  for (const [eventId, receipts] of Object.entries(event.content)) {
    if (!isId(eventId, "$") || !isObject(receipts) || !isObject(receipts["m.read"])) continue;
    for (const userId of Object.keys(receipts["m.read"])) {
      if (!isId(userId, "@") || !userId.includes(":")) continue;
      out.push({ roomId, eventId, userId });
      if (out.length >= RECEIPTS_PER_EVENT_MAX) return out;
    }
  }
  return out;
}
