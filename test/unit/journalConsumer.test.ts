import { MemoryLevel } from "memory-level";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { JournalConsumers } from "../../src/platform/journal/JournalConsumers.js";
import type { JournalHandler } from "../../src/platform/journal/JournalConsumer.js";
import type { JournalEntry } from "../../src/platform/ports/Journal.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver, type Store } from "../../src/store/openStore.js";
import { platformOverStore } from "../support/platformOverStore.js";
import { asMessageId } from "../../src/platform/ids.js";

const logger = createLogger("silent");
const budget = { maxAttempts: 3, maxAgeMs: 3_600_000, initialDelayMs: 10, maxDelayMs: 20 };
// Generous bound for a loaded machine: these wait for conditions, never for time.
const until = (check: () => void | Promise<void>) => vi.waitFor(check, { timeout: 60_000, interval: 5 });

async function setup() {
  const db = new MemoryLevel<string, unknown>() as unknown as RootLevel;
  const store: Store = storeOver(db);
  const p = platformOverStore(store);
  const alice = await p.person("alice");
  const room = await p.chat.createRoom(alice, { name: "talk" });
  const send = (body: string) => p.chat.send(alice, room.id, { body });
  return { store, p, alice, room, send };
}

/** A handler recording message bodies it saw, failing every attempt at bodies in `failing`. */
function recorder(store: Store, name = "relay") {
  const seen: string[] = [];
  const attempts = new Map<string, number>();
  const failing = new Set<string>();
  const handler: JournalHandler = {
    name,
    async handle(entry: JournalEntry) {
      if (entry.event.type !== "message.created") return;
      const body = (await store.messages.get(asMessageId(entry.event.messageId)))!.body;
      attempts.set(body, (attempts.get(body) ?? 0) + 1);
      if (failing.has(body)) throw Object.assign(new Error("refused"), { code: "REFUSED" });
      seen.push(body);
    },
  };
  return { handler, seen, attempts, failing };
}

describe("journal consumers", { timeout: 120_000 }, () => {
  it("catch up at start, then follow each commit", async () => {
    const { store, send } = await setup();
    await send("before start");
    const r = recorder(store);
    const consumers = new JournalConsumers({ journal: store.journal, handlers: [r.handler], budget, logger });
    consumers.start();
    await until(() => expect(r.seen).toEqual(["before start"]));
    await send("after start");
    await until(() => expect(r.seen).toEqual(["before start", "after start"]));
    expect((await store.journal.cursor("relay")).position).toBe(await store.journal.head());
    await consumers.stop();
  });

  it("retry a failing entry within its budget, then dead-letter it; the entries behind it still flow", async () => {
    const { store, send } = await setup();
    const r = recorder(store);
    r.failing.add("poison");
    const consumers = new JournalConsumers({ journal: store.journal, handlers: [r.handler], budget, logger });
    consumers.start();
    await send("one");
    await send("poison");
    await send("two");
    await until(() => expect(r.seen).toEqual(["one", "two"]));
    expect(r.attempts.get("poison")).toBe(budget.maxAttempts);
    const letters = await store.deadLetters.list(10);
    expect(letters).toMatchObject([{ source: "journal:relay", eventType: "message.created", attempts: budget.maxAttempts, error: "REFUSED" }]);
    // Put back by an admin: handled first, with a fresh budget, once it succeeds.
    r.failing.delete("poison");
    expect(await store.deadLetters.requeue(letters[0]!.id)).toBe(true);
    consumers.kick();
    await until(() => expect(r.seen).toEqual(["one", "two", "poison"]));
    expect(await store.deadLetters.count()).toBe(0);
    expect(await store.journal.retries("relay", 10)).toEqual([]);
    await consumers.stop();
  });

  it("restart resumes at the persisted cursor: nothing handled twice, nothing skipped, the failure count kept", async () => {
    const { store, send } = await setup();
    const first = recorder(store);
    first.failing.add("stuck");
    const before = new JournalConsumers({ journal: store.journal, handlers: [first.handler], budget: { ...budget, initialDelayMs: 60_000, maxDelayMs: 60_000 }, logger });
    before.start();
    await send("a");
    await send("stuck");
    await until(() => expect(first.attempts.get("stuck")).toBe(1));
    await before.stop();
    await send("b");
    const cursor = await store.journal.cursor("relay");
    expect(cursor).toMatchObject({ attempts: 1 });
    // The persisted backoff is honoured after the restart; then the stored count goes on.
    await store.journal.setCursor("relay", { ...cursor, notBefore: 0 });
    const second = recorder(store);
    second.failing.add("stuck");
    const after = new JournalConsumers({ journal: store.journal, handlers: [second.handler], budget, logger });
    after.start();
    await until(() => expect(second.seen).toEqual(["b"]));
    expect(first.seen).toEqual(["a"]);
    expect(second.attempts.get("stuck")).toBe(budget.maxAttempts - 1);
    await after.stop();
  });

  it("prune what every registered consumer passed; a consumer no longer registered does not hold entries back", async () => {
    const { store, send } = await setup();
    await send("x");
    const head = await store.journal.head();
    // A consumer from an earlier configuration that stopped at 0.
    await store.journal.setCursor("retired", { position: 0, attempts: 0 });
    const slow = recorder(store, "slow");
    slow.failing.add("wall");
    const fast = recorder(store, "fast");
    const consumers = new JournalConsumers({
      journal: store.journal,
      handlers: [fast.handler, slow.handler],
      budget: { ...budget, initialDelayMs: 60_000, maxDelayMs: 60_000 },
      logger,
      pruneBatch: 2,
    });
    consumers.start();
    await send("wall");
    await send("y");
    await until(async () => expect((await store.journal.cursor("fast")).position).toBe(head + 2));
    // `slow` is stuck just after `head`: entries up to it go, the rest stay.
    await until(async () => expect((await store.journal.read(0, 100)).map((entry) => entry.position)).toEqual([head + 1, head + 2]));
    await consumers.stop();
    const none = new JournalConsumers({ journal: store.journal, handlers: [], budget, logger, pruneIntervalMs: 3_600_000 });
    none.start();
    await until(async () => expect(await store.journal.read(0, 100)).toEqual([]));
    // Without consumers, each commit is followed by pruning (not only the timer).
    await send("z");
    await until(async () => expect(await store.journal.read(0, 100)).toEqual([]));
    expect(await store.journal.head()).toBeGreaterThan(head + 2);
    await none.stop();
  });
});
