import { Counter, Gauge, type Registry } from "prom-client";
import type { SyncHub } from "../platform/sync/SyncHub.js";

/** The sync hub on `/metrics`: polls waiting now, and those displaced or refused since the start; read at scrape time. */
export function registerSyncMetrics(registry: Registry, hub: SyncHub): void {
  new Gauge({
    name: "mirage_sync_polls_waiting",
    help: "Long-polls (GET /api/v1/sync) waiting for events.",
    registers: [registry],
    collect() {
      this.set(hub.stats().waiters);
    },
  });
  const total = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  total("mirage_sync_polls_displaced_total", "Long-polls answered early to make room for a newer one of the same session or account.", () => hub.stats().displaced);
  total("mirage_sync_polls_refused_total", "Long-polls refused with 503 OVERLOADED because api.sync.maxWaits were waiting.", () => hub.stats().refused);
}
