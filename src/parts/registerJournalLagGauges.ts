import { Gauge, type Registry } from "prom-client";
import type { JournalConsumers } from "../platform/journal/JournalConsumers.js";
import type { Journal } from "../platform/ports/Journal.js";

/**
 * `mirage_journal_lag_entries{consumer}` and `mirage_journal_lag_seconds{consumer}` for every
 * journal consumer of this run (the bridge relay, the blog relay, each plugin's hooks as
 * `plugin-<id>`), read at scrape time from the journal's head and the consumers' cursors.
 */
export function registerJournalLagGauges(registry: Registry, journal: Journal, consumers: JournalConsumers, now: () => number = Date.now): void {
  new Gauge({
    name: "mirage_journal_lag_entries",
    help: "Journal entries a consumer has not handled yet (journal head minus its cursor), by consumer.",
    labelNames: ["consumer"] as const,
    registers: [registry],
    async collect() {
      const head = await journal.head();
      for (const { name } of consumers.consumers) this.set({ consumer: name }, Math.max(0, head - (await journal.cursor(name)).position));
    },
  });
  new Gauge({
    name: "mirage_journal_lag_seconds",
    help: "Age of the oldest journal entry a consumer has not handled yet (0 when caught up), by consumer.",
    labelNames: ["consumer"] as const,
    registers: [registry],
    async collect() {
      for (const { name } of consumers.consumers) {
        const [oldest] = await journal.read((await journal.cursor(name)).position, 1);
        this.set({ consumer: name }, oldest ? Math.max(0, (now() - oldest.at) / 1000) : 0);
      }
    },
  });
}
