import type { EffectSink, EventHandler } from "../matrix/EventHandler.js";
import type { RoomEvent } from "../matrix/matrixEvent.js";
import type { IdMapping } from "../platform/ports/IdMapping.js";
import type { BridgeKind, BridgeMetrics } from "./bridgeMetrics.js";

/**
 * `handler`, counting what became of each portal event in `mirage_bridge_events_total{direction="to_platform"}`:
 * a duplicate when its mapping link existed before, applied when the handling committed one (every
 * platform write from Matrix carries it), refused when the handling reported a delivery failure,
 * ignored otherwise. An event whose handling throws is counted when it is finally handled.
 */
export function countInbound(handler: EventHandler, mapping: IdMapping, metrics: BridgeMetrics): EventHandler {
  return {
    async handle(event: RoomEvent, effects: EffectSink): Promise<void> {
      const kind = inboundKind(event);
      if (await mapping.byEvent(event.eventId)) {
        await handler.handle(event, effects);
        metrics.toPlatform(kind, "duplicate");
        return;
      }
      let refused = false;
      await handler.handle(event, {
        send(entry) {
          refused = true;
          effects.send(entry);
        },
      });
      metrics.toPlatform(kind, refused ? "refused" : (await mapping.byEvent(event.eventId)) ? "applied" : "ignored");
    },
  };
}

/** The bounded `kind` of a Matrix event. */
export function inboundKind(event: RoomEvent): BridgeKind {
  switch (event.type) {
    case "m.room.message": {
      const relation = event.content["m.relates_to"] as { rel_type?: unknown } | undefined;
      return typeof relation === "object" && relation !== null && relation.rel_type === "m.replace" ? "edit" : "message";
    }
    case "m.reaction":
      return "reaction";
    case "m.room.redaction":
      return "deletion";
    case "m.room.member":
      return "membership";
    default:
      return "other";
  }
}
