import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { parseConfig } from "../../src/config/loadConfig.js";
import { createLogger } from "../../src/log/createLogger.js";
import { buildRegistration } from "../../src/matrix/registration.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";

describe("the composed app", () => {
  it("names process metrics mirage_process_* (one prefix) and reports dead letters in /metrics and /health", async () => {
    const token = "operations-token-0123456789abcdef0123";
    const config = parseConfig({ homeserver: { url: "http://127.0.0.1:9", domain: "example.org" }, operations: { token } });
    const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
    await store.inbox.accept("t", { events: [] }, 0);
    await store.inbox.fanOut("t", [{ roomId: "!r:example.org", event: { type: "m.room.member", event_id: "$e", sender: "@x:remote" } }], 0);
    await store.lanes.deadLetter((await store.lanes.head("!r:example.org"))!, { at: 1, error: "502" });
    const app = await createApp({
      config,
      registration: buildRegistration({ url: "http://127.0.0.1:8090", domain: "example.org" }),
      logger: createLogger("silent"),
      store,
    });
    try {
      const metrics = (await app.api.inject({ method: "GET", url: "/metrics" })).body;
      expect(metrics).toMatch(/^mirage_process_cpu_user_seconds_total /m);
      expect(metrics).not.toContain("mirage_process_process_");
      expect(metrics).toMatch(/^mirage_dead_letters 1$/m);
      expect((await app.api.inject({ method: "GET", url: "/health" })).json()).toEqual({ status: "degraded" });
      const health = (await app.api.inject({ method: "GET", url: "/health", headers: { authorization: `Bearer ${token}` } })).json();
      expect(health.queues).toEqual({ inbox: 0, roomEvents: 0, outbox: 0, deadLetters: 1 });
      expect(app.commands.all().map((c) => c.name)).toEqual(expect.arrayContaining(["mirage deadletters", "mirage retry"]));
    } finally {
      await app.stop();
    }
  });
});
