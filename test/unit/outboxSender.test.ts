import type { Appservice } from "@vector-im/matrix-bot-sdk";
import { MemoryLevel } from "memory-level";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { createAppserviceMetrics } from "../../src/matrix/appserviceMetrics.js";
import { OutboxSender } from "../../src/matrix/OutboxSender.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";

const BOT = "@mirage:t";
const senders: OutboxSender[] = [];
afterEach(() => {
  for (const s of senders.splice(0)) s.stop();
});

/** An outbox sender over a memory store and a homeserver whose answer per room the test decides. */
function setup(answer: (roomId: string, body: string) => Error | undefined, maxAttempts = 3, homeserverUsable?: () => boolean) {
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const now = { t: 0 };
  const sent: string[] = [];
  const client = {
    async doRequest(_method: string, path: string, _qs: unknown, content: { body: string }) {
      const roomId = decodeURIComponent(path.split("/")[5]!);
      const error = answer(roomId, content.body);
      if (error) throw error;
      sent.push(content.body);
      return { event_id: `$${content.body}` };
    },
    async getRoomStateEvent() {
      throw Object.assign(new Error("not found"), { statusCode: 404 });
    },
  };
  const appservice = { botUserId: BOT, botClient: client } as unknown as Appservice;
  const metrics = createAppserviceMetrics(new Registry());
  let wakes = 0;
  const sender = new OutboxSender(store.outbox, appservice, createLogger("silent"), metrics, {
    budget: { maxAttempts, maxAgeMs: 60_000, initialDelayMs: 1000, maxDelayMs: 8000 },
    wake: () => void (wakes += 1),
    now: () => now.t,
    random: () => 0.5,
    ...(homeserverUsable ? { homeserverUsable } : {}),
  });
  senders.push(sender);
  const queue = (roomId: string, ...bodies: string[]) =>
    store.outbox.enqueue(bodies.map((body) => ({ sender: BOT, roomId, eventType: "m.room.message", content: { body } })), 0);
  return { store, now, sent, sender, metrics, queue, wakes: () => wakes };
}

const bad502 = () => Object.assign(new Error("Bad gateway"), { statusCode: 502, errcode: "M_UNKNOWN" });

describe("OutboxSender", () => {
  it("a room whose sends keep failing holds only its own later sends; other rooms' sends go out", async () => {
    const { store, sent, sender, queue } = setup((room) => (room === "!bad:t" ? bad502() : undefined));
    await queue("!bad:t", "b1", "b2");
    await queue("!ok:t", "o1");
    await queue("!bad:t", "b3");
    await queue("!ok:t", "o2");
    await sender.drain();
    expect(sent).toEqual(["o1", "o2"]);
    expect((await store.outbox.peek(10)).map((e) => [e.content.body, e.attempts])).toEqual([
      ["b1", 1],
      ["b2", 0],
      ["b3", 0],
    ]);
  });

  it("retries after the backoff, then dead-letters after the budget and the room goes on in order", async () => {
    const { store, now, sent, sender, queue, metrics } = setup((_room, body) => (body === "b1" ? bad502() : undefined));
    await queue("!bad:t", "b1", "b2");
    await sender.drain();
    expect((await store.outbox.peek(1))[0]).toMatchObject({ attempts: 1, notBefore: 1000 });
    await sender.drain();
    expect((await store.outbox.peek(1))[0]!.attempts).toBe(1);
    now.t = 1000;
    await sender.drain();
    expect((await store.outbox.peek(1))[0]).toMatchObject({ attempts: 2, notBefore: 3000 });
    expect(sent).toEqual([]);
    now.t = 3000;
    await sender.drain();
    expect(sent).toEqual(["b2"]);
    expect(await store.outbox.size()).toBe(0);
    expect(await store.deadLetters.list(5)).toEqual([
      expect.objectContaining({ source: "outbox", roomId: "!bad:t", attempts: 3, firstFailureAt: 0, lastFailureAt: 3000, error: "502 M_UNKNOWN" }),
    ]);
    expect((await metrics.deadLettered.get()).values).toEqual([expect.objectContaining({ value: 1, labels: { source: "outbox" } })]);
  });

  it("an unreachable homeserver stops the drain without spending any send's budget", async () => {
    const { store, sender, queue } = setup(() => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
    await queue("!a:t", "a1");
    await queue("!b:t", "b1");
    for (let i = 0; i < 5; i++) await expect(sender.drain()).rejects.toThrow(/ECONNREFUSED/);
    expect((await store.outbox.peek(10)).map((e) => e.attempts)).toEqual([0, 0]);
    expect(await store.deadLetters.count()).toBe(0);
  });

  it("tries nothing (and spends no budget) while the homeserver is known to be unusable", async () => {
    let usable = false;
    const { store, sent, sender, queue } = setup(() => bad502(), 3, () => usable);
    await queue("!a:t", "a1");
    await sender.drain();
    expect(sent).toEqual([]);
    expect((await store.outbox.peek(1))[0]!.attempts).toBe(0);
    usable = true;
    await sender.drain();
    expect((await store.outbox.peek(1))[0]!.attempts).toBe(1);
  });

  it("drops a send the homeserver refuses for good (4xx) and goes on", async () => {
    const { store, sent, sender, queue } = setup((room) => (room === "!gone:t" ? Object.assign(new Error("forbidden"), { statusCode: 403 }) : undefined));
    await queue("!gone:t", "g1");
    await queue("!ok:t", "o1");
    await sender.drain();
    expect(sent).toEqual(["o1"]);
    expect(await store.outbox.size()).toBe(0);
    expect(await store.deadLetters.count()).toBe(0);
  });
});
