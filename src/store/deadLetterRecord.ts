import type { DeadLetterSummary } from "../platform/ports/DeadLetters.js";
import type { LaneEvent, LaneFailure } from "../platform/ports/RoomLanes.js";

/** A dead letter as stored: the summary admins see, plus the event itself so it can be retried. */
export interface DeadLetterRecord extends DeadLetterSummary {
  event: Record<string, unknown>;
}

/** The dead letter for a lane event whose failure `failure` used up its budget (counted as one more attempt). */
export function deadLetterRecord(entry: LaneEvent, failure: LaneFailure): DeadLetterRecord {
  const field = (name: string) => (typeof entry.event[name] === "string" ? (entry.event[name] as string) : "");
  return {
    id: String(entry.seq),
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
