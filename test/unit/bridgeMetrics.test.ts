import { MemoryLevel } from "memory-level";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { buildOperationsServer } from "../../src/api/buildOperationsServer.js";
import { parseConfig } from "../../src/config/loadConfig.js";
import { createLogger } from "../../src/log/createLogger.js";
import type { EffectSink } from "../../src/matrix/EventHandler.js";
import type { RoomEvent } from "../../src/matrix/matrixEvent.js";
import { createBridgePart } from "../../src/parts/createBridgePart.js";
import type { MatrixBridge, MatrixPart } from "../../src/parts/createMatrixPart.js";
import { createPlatformPart } from "../../src/parts/createPlatformPart.js";
import { CommandRegistry } from "../../src/platform/commands/CommandRegistry.js";
import type { OutboxEntryInput } from "../../src/platform/ports/Outbox.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { platformOverStore } from "../support/platformOverStore.js";

const DOMAIN = "test.example";
const PORTAL = "!portal:test.example";
const BOB = "@bob:remote.example";

/** The bridge part over a memory store, with a Matrix side that only records what the bridge attaches. */
async function world() {
  const config = parseConfig({ homeserver: { url: "http://127.0.0.1:9", domain: DOMAIN }, api: { jwtSecret: "metrics-secret-metrics-secret-metrics" } });
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const logger = createLogger("silent");
  const registry = new Registry();
  const platform = await createPlatformPart({ config, store, logger });
  let attached: MatrixBridge | undefined;
  const matrix = {
    appservice: { botUserId: `@mirage:${DOMAIN}`, isNamespacedUser: (id: string) => id.startsWith("@mirage"), botClient: {} },
    commands: new CommandRegistry(),
    kickOutbox: () => undefined,
    countDeliveryFailure: () => undefined,
    attachBridge: (bridge: MatrixBridge) => void (attached = bridge),
    observeEphemeral: () => () => undefined,
  } as unknown as MatrixPart;
  createBridgePart({ config, store, platform, matrix, logger, registry });
  const operations = await buildOperationsServer({
    logger,
    registry,
    health: {
      version: "t",
      homeserver: () => ({ reachable: true, ready: true, appservicePing: { ok: true }, lastCheckedAt: 0, problem: undefined }),
      pendingWork: async () => ({ inbox: 0, outbox: 0 }),
    },
    access: { token: "operations-token-0123456789abcdef0123", metricsRequireToken: false },
  });
  const scrape = async () => (await operations.inject({ url: "/metrics" })).body;
  const sample = async (name: string, labels = "") => {
    const line = (await scrape()).split("\n").find((l) => l.startsWith(`${name}${labels} `));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
  };
  /** Starts the journal's consumers, the relay among them, as the app does. */
  const startRelay = () => platform.start();
  let n = 0;
  const inbound = async (type: string, content: Record<string, unknown>, extra: Partial<RoomEvent> = {}) => {
    const sent: OutboxEntryInput[] = [];
    const effects: EffectSink = { send: (op) => void sent.push(op) };
    const event: RoomEvent = { type, roomId: PORTAL, sender: BOB, eventId: `$e${++n}`, originServerTs: 0, stateKey: undefined, content, ...extra };
    await attached!.portal.handler.handle(event, effects);
    return { event, sent };
  };
  return {
    store,
    sample,
    startRelay,
    inbound,
    p: platformOverStore(store),
    async close() {
      await operations.close();
      await platform.stop();
    },
  };
}

const events = (direction: string, kind: string, outcome: string) => `{direction="${direction}",kind="${kind}",outcome="${outcome}"}`;

describe("bridge metrics in /metrics", () => {
  it("count events per direction, kind and outcome, and show the relay's lag behind the journal", async () => {
    const w = await world();
    try {
      const alice = await w.p.person("alice");
      const room = await w.p.chat.createRoom(alice, { name: "metrics", invite: [BOB] });
      await w.p.chat.send(alice, room.id, { body: "hello" });
      const head = await w.store.journal.head();
      expect(head).toBeGreaterThanOrEqual(3);
      expect(await w.sample("mirage_bridge_relay_lag_entries")).toBe(head);
      expect(await w.sample("mirage_bridge_relay_lag_seconds")).toBeGreaterThanOrEqual(0);

      await w.startRelay();
      await expect.poll(() => w.sample("mirage_bridge_relay_lag_entries")).toBe(0);
      expect(await w.sample("mirage_bridge_relay_lag_seconds")).toBe(0);
      expect(await w.sample("mirage_bridge_events_total", events("to_matrix", "room", "queued"))).toBe(1);
      expect(await w.sample("mirage_bridge_events_total", events("to_matrix", "message", "queued"))).toBe(1);

      // Matrix → platform: the portal is known; Bob joins, talks, is replayed, is refused, sends what is not bridged.
      await w.store.idMapping.link([{ ref: { kind: "room", id: room.id }, roomId: PORTAL, origin: "platform" }]);
      await w.inbound("m.room.member", { membership: "join" }, { stateKey: BOB });
      const { event: hello } = await w.inbound("m.room.message", { msgtype: "m.text", body: "hi alice" });
      await attachedAgain(w, hello);
      const refused = await w.inbound("m.room.message", { msgtype: "m.location", body: "here", geo_uri: "geo:0,0" });
      expect(refused.sent.length).toBeGreaterThan(0);
      await w.inbound("m.room.message", { msgtype: "m.text", body: "* hi", "m.new_content": { msgtype: "m.text", body: "hi" }, "m.relates_to": { rel_type: "m.replace", event_id: "$unknown" } });
      await w.inbound("org.example.custom", { anything: true });

      expect(await w.sample("mirage_bridge_events_total", events("to_platform", "membership", "applied"))).toBe(1);
      expect(await w.sample("mirage_bridge_events_total", events("to_platform", "message", "applied"))).toBe(1);
      expect(await w.sample("mirage_bridge_events_total", events("to_platform", "message", "duplicate"))).toBe(1);
      expect(await w.sample("mirage_bridge_events_total", events("to_platform", "message", "refused"))).toBe(1);
      expect(await w.sample("mirage_bridge_events_total", events("to_platform", "edit", "ignored"))).toBe(1);
      expect(await w.sample("mirage_bridge_events_total", events("to_platform", "other", "ignored"))).toBe(1);

      // What came from Matrix is journaled with its origin: the relay counts it as an echo and sends nothing.
      await expect.poll(() => w.sample("mirage_bridge_events_total", events("to_matrix", "message", "echo"))).toBe(1);
      expect(await w.sample("mirage_bridge_events_total", events("to_matrix", "membership", "echo"))).toBe(1);
    } finally {
      await w.close();
    }
  });
});

/** The same event delivered again (a homeserver retry after a crash). */
async function attachedAgain(w: Awaited<ReturnType<typeof world>>, event: RoomEvent): Promise<void> {
  await w.inbound(event.type, event.content, { eventId: event.eventId });
}
