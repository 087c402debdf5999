import { Counter, Gauge, type Registry } from "prom-client";

/** Prometheus metrics of the Matrix side, registered once on the app's registry. */
export interface AppserviceMetrics {
  transactions: Counter<"result">;
  events: Counter<string>;
  authFailures: Counter<"reason">;
  handled: Counter<"outcome">;
  outboxSent: Counter<"result">;
  outboxFailed: Counter<"reason">;
  homeserverReachable: Gauge<string>;
  undecryptable: Counter<"outcome">;
  deadLettered: Counter<"source">;
  deliveryFailed: Counter<"direction" | "reason">;
}

export function createAppserviceMetrics(registry: Registry): AppserviceMetrics {
  const registers = [registry];
  return {
    transactions: new Counter({
      name: "mirage_appservice_transactions_total",
      help: "Transactions received from the homeserver, by result (accepted, duplicate, rejected).",
      labelNames: ["result"],
      registers,
    }),
    events: new Counter({
      name: "mirage_appservice_events_received_total",
      help: "Room events received in new transactions.",
      registers,
    }),
    authFailures: new Counter({
      name: "mirage_appservice_auth_failures_total",
      help: "Appservice API requests refused for a missing or wrong hs_token.",
      labelNames: ["reason"],
      registers,
    }),
    handled: new Counter({
      name: "mirage_events_handled_total",
      help: "Room events handled, by outcome (ok, failed, retried).",
      labelNames: ["outcome"],
      registers,
    }),
    outboxSent: new Counter({
      name: "mirage_outbox_sends_total",
      help: "Outbound Matrix operations, by result (sent, retry, dead-lettered).",
      labelNames: ["result"],
      registers,
    }),
    outboxFailed: new Counter({
      name: "mirage_outbox_permanent_failures_total",
      help: "Outbound Matrix operations that will never be carried out, by reason (refused, budget, unresolved, invalid).",
      labelNames: ["reason"],
      registers,
    }),
    undecryptable: new Counter({
      name: "mirage_undecryptable_events_total",
      help: "Encrypted events that could not be decrypted on arrival, by outcome (parked, recovered, reported).",
      labelNames: ["outcome"],
      registers,
    }),
    deadLettered: new Counter({
      name: "mirage_dead_letters_total",
      help: "Events set aside after their retry budget, by source (inbox: homeserver events; outbox: sends).",
      labelNames: ["source"],
      registers,
    }),
    deliveryFailed: new Counter({
      name: "mirage_bridge_delivery_failures_total",
      help: "Messages that never reached the other side, by direction (to_matrix: marked failed on the platform; to_platform: answered with a delivery status in Matrix) and reason.",
      labelNames: ["direction", "reason"],
      registers,
    }),
    homeserverReachable: new Gauge({
      name: "mirage_homeserver_reachable",
      help: "1 when the homeserver answered the last check, else 0.",
      registers,
    }),
  };
}
