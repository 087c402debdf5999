import type { JournalHandler } from "../platform/journal/JournalConsumer.js";
import type { BridgeMetrics } from "./bridgeMetrics.js";

/**
 * Counts what the relay did with each journal entry in `mirage_bridge_events_total{direction="to_matrix"}`:
 * `echo` for a change that came from Matrix, `queued` when the relay told it queued operations
 * (`noteQueued`, from the relay's `onQueued`), `ignored` otherwise. The journal consumer hands
 * the relay one entry at a time, so the note belongs to the entry being handled.
 */
export class RelayCounter {
  private queued = false;

  constructor(private readonly metrics: BridgeMetrics) {}

  noteQueued(): void {
    this.queued = true;
  }

  wrap(relay: JournalHandler): JournalHandler {
    return {
      name: relay.name,
      handle: async (entry) => {
        this.queued = false;
        await relay.handle(entry);
        this.metrics.toMatrix(entry.event, entry.origin ? "echo" : this.queued ? "queued" : "ignored");
      },
    };
  }
}
