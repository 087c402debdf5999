import type { DeadLetterSummary } from "../platform/ports/DeadLetters.js";
import type { JournalEntry } from "../platform/ports/Journal.js";
import type { OutboxEntry, SendFailure } from "../platform/ports/Outbox.js";
import type { LaneEvent, LaneFailure } from "../platform/ports/RoomLanes.js";
import { refText } from "../platform/ports/IdMapping.js";
import { decodeSeq } from "./keys.js";

/** A dead letter as stored: the summary admins see, plus what is needed to retry it. */
export type DeadLetterRecord = DeadLetterSummary &
  (
    | { source: "inbox"; event: Record<string, unknown> }
    | { source: "outbox"; send: OutboxEntry }
    | { source: `journal:${string}`; entry: JournalEntry }
  );

/** The dead letter for a lane event whose failure `failure` used up its budget (counted as one more attempt). */
export function inboxDeadLetter(entry: LaneEvent, failure: LaneFailure): DeadLetterRecord {
  const field = (name: string) => (typeof entry.event[name] === "string" ? (entry.event[name] as string) : "");
  return {
    id: `e${entry.seq}`,
    source: "inbox",
    roomId: entry.roomId,
    eventId: field("event_id"),
    eventType: field("type"),
    sender: field("sender"),
    attempts: entry.attempts + 1,
    firstFailureAt: entry.firstFailureAt ?? failure.at,
    lastFailureAt: failure.at,
    error: failure.error,
    event: entry.event,
  };
}

/** The dead letter for a send whose failure `failure` used up its budget (counted as one more attempt). */
export function outboxDeadLetter(entry: OutboxEntry, failure: SendFailure): DeadLetterRecord {
  return {
    id: `s${decodeSeq(entry.id)}`,
    source: "outbox",
    roomId: entryRoom(entry),
    eventId: "",
    eventType: "eventType" in entry ? entry.eventType : entry.op,
    sender: entry.sender,
    attempts: entry.attempts + 1,
    firstFailureAt: entry.firstFailureAt ?? failure.at,
    lastFailureAt: failure.at,
    error: failure.error,
    send: entry,
  };
}

/** The Matrix room an entry is addressed to, or its platform room (`room:<id>`) before it has one. */
function entryRoom(entry: OutboxEntry): string {
  if ("roomId" in entry && entry.roomId !== undefined) return entry.roomId;
  if ("room" in entry && entry.room !== undefined) return refText(entry.room);
  return "";
}
