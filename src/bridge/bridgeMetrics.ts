import { Counter, Gauge, type Registry } from "prom-client";
import type { DomainEvent } from "../platform/events/DomainEvent.js";
import type { Journal } from "../platform/ports/Journal.js";

/** What became of an event the bridge looked at. */
export type BridgeOutcome =
  /** Platform → Matrix: operations were queued in the outbox. */
  | "queued"
  /** Platform → Matrix: the change came from Matrix, so it is not sent back. */
  | "echo"
  /** Matrix → platform: the platform took the change. */
  | "applied"
  /** Matrix → platform: the platform refused it (the sender is told). */
  | "refused"
  /** Matrix → platform: already applied (a replay). */
  | "duplicate"
  /** Nothing to carry across (not bridged, or a no-op). */
  | "ignored";

/** Bounded `kind` label values: what an event is, not its raw type. */
export type BridgeKind = "message" | "edit" | "deletion" | "reaction" | "membership" | "room" | "other";

/** The bridge's Prometheus metrics: events per direction and outcome, and how far the relay lags behind the journal. */
export interface BridgeMetrics {
  /** Counts a platform change the relay handled. */
  toMatrix(event: DomainEvent, outcome: BridgeOutcome): void;
  /** Counts a Matrix event the inbound handler handled. */
  toPlatform(kind: BridgeKind, outcome: BridgeOutcome): void;
}

/**
 * Registers `mirage_bridge_events_total{direction,kind,outcome}` and the relay-lag gauges, read at
 * scrape time: entries between the journal's head and the relay's cursor, and the age of the
 * oldest of them.
 */
export function createBridgeMetrics(registry: Registry, lag: { journal: Journal; consumer: string; now?: () => number }): BridgeMetrics {
  const now = lag.now ?? Date.now;
  const events = new Counter({
    name: "mirage_bridge_events_total",
    help: "Events the bridge handled, by direction (to_matrix, to_platform), kind and outcome.",
    labelNames: ["direction", "kind", "outcome"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "mirage_bridge_relay_lag_entries",
    help: "Journal entries the bridge relay has not handled yet (journal head minus the relay's cursor).",
    registers: [registry],
    async collect() {
      const [head, cursor] = await Promise.all([lag.journal.head(), lag.journal.cursor(lag.consumer)]);
      this.set(Math.max(0, head - cursor.position));
    },
  });
  new Gauge({
    name: "mirage_bridge_relay_lag_seconds",
    help: "Age of the oldest journal entry the bridge relay has not handled yet (0 when it is caught up).",
    registers: [registry],
    async collect() {
      const cursor = await lag.journal.cursor(lag.consumer);
      const [oldest] = await lag.journal.read(cursor.position, 1);
      this.set(oldest ? Math.max(0, (now() - oldest.at) / 1000) : 0);
    },
  });
  return {
    toMatrix(event, outcome) {
      events.inc({ direction: "to_matrix", kind: kindOfDomainEvent(event), outcome });
    },
    toPlatform(kind, outcome) {
      events.inc({ direction: "to_platform", kind, outcome });
    },
  };
}

function kindOfDomainEvent(event: DomainEvent): BridgeKind {
  switch (event.type) {
    case "message.created":
      return "message";
    case "message.edited":
      return "edit";
    case "message.deleted":
    case "message.expired":
      return "deletion";
    case "reaction.added":
    case "reaction.removed":
      return "reaction";
    case "member.changed":
      return "membership";
    case "room.created":
      return "room";
    default:
      return "other";
  }
}
