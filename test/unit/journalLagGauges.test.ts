import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { registerJournalLagGauges } from "../../src/parts/registerJournalLagGauges.js";
import type { JournalConsumers } from "../../src/platform/journal/JournalConsumers.js";
import type { Journal, JournalEntry } from "../../src/platform/ports/Journal.js";

describe("journal lag gauges", () => {
  it("report every consumer's lag in entries and seconds, plugins' hooks included", async () => {
    const entries = [1, 2, 3, 4, 5].map((position) => ({ position, at: 1_000 * position, event: { type: "room.created", roomId: "r", by: "a" } }) as JournalEntry);
    const cursors: Record<string, number> = { "bridge-relay": 5, "plugin-expiry": 2 };
    const journal = {
      head: async () => 5,
      cursor: async (name: string) => ({ position: cursors[name] ?? 0, attempts: 0 }),
      read: async (after: number, limit: number) => entries.filter((e) => e.position > after).slice(0, limit),
    } as unknown as Journal;
    const consumers = { consumers: [{ name: "bridge-relay" }, { name: "plugin-expiry" }] } as unknown as JournalConsumers;
    const registry = new Registry();
    registerJournalLagGauges(registry, journal, consumers, () => 10_000);
    const values = async (metric: string) =>
      Object.fromEntries((await registry.getSingleMetric(metric)!.get()).values.map((v) => [v.labels.consumer, v.value]));
    expect(await values("mirage_journal_lag_entries")).toEqual({ "bridge-relay": 0, "plugin-expiry": 3 });
    expect(await values("mirage_journal_lag_seconds")).toEqual({ "bridge-relay": 0, "plugin-expiry": 7 });
    cursors["plugin-expiry"] = 5;
    expect(await values("mirage_journal_lag_entries")).toEqual({ "bridge-relay": 0, "plugin-expiry": 0 });
  });
});
