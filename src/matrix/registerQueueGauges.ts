import { Gauge, type Registry } from "prom-client";
import type { DeadLetters } from "../platform/ports/DeadLetters.js";
import type { Outbox } from "../platform/ports/Outbox.js";
import type { RoomLanes } from "../platform/ports/RoomLanes.js";
import type { UndecryptableEvents } from "../platform/ports/UndecryptableEvents.js";

/** Gauges of the durable queues, read from the store at each scrape. */
export function registerQueueGauges(
  registry: Registry,
  queues: { deadLetters: DeadLetters; lanes: RoomLanes; undecryptable: UndecryptableEvents; outbox: Outbox },
): void {
  new Gauge({
    name: "mirage_dead_letters",
    help: "Events set aside after their retry budget, waiting for an admin's retry.",
    registers: [registry],
    async collect() {
      this.set(await queues.deadLetters.count());
    },
  });
  new Gauge({
    name: "mirage_room_lanes_pending",
    help: "Room events accepted and waiting in their rooms' lanes.",
    registers: [registry],
    async collect() {
      this.set(await queues.lanes.size());
    },
  });
  new Gauge({
    name: "mirage_undecryptable_pending",
    help: "Encrypted events waiting for their keys.",
    registers: [registry],
    async collect() {
      this.set(await queues.undecryptable.count());
    },
  });
  new Gauge({
    name: "mirage_outbox_pending",
    help: "Outbound Matrix sends waiting in the durable outbox.",
    registers: [registry],
    async collect() {
      this.set(await queues.outbox.size());
    },
  });
}
