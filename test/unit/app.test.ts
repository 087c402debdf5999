import { createServer, type Server } from "node:net";
import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { parseConfig } from "../../src/config/loadConfig.js";
import { createLogger } from "../../src/log/createLogger.js";
import { buildRegistration } from "../../src/matrix/registration.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { freePort } from "../e2e/harness/ports.js";

/** Resolves once `server` listens on `port`, or rejects with the listen error. */
function listenOn(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
}

/** Whether nothing listens on `port` any more: a server can bind it. */
async function portIsFree(port: number): Promise<boolean> {
  const probe = createServer();
  try {
    await listenOn(probe, port);
    return true;
  } catch {
    return false;
  } finally {
    await new Promise((resolve) => probe.close(resolve));
  }
}

async function appOnFreePorts(operationsPort: number) {
  const [appservicePort, apiPort] = [await freePort(), await freePort()];
  const config = parseConfig({
    homeserver: { url: "http://127.0.0.1:9", domain: "example.org" },
    appservice: { port: appservicePort },
    api: { port: apiPort },
    operations: { metrics: { port: operationsPort } },
  });
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const app = await createApp({
    config,
    registration: buildRegistration({ url: `http://127.0.0.1:${appservicePort}`, domain: "example.org" }),
    logger: createLogger("silent"),
    store,
  });
  return { app, store, appservicePort, apiPort };
}

// Real listeners, worker threads and a homeserver monitor: slow on a loaded machine, bounded only against hangs.
describe("the composed app", { timeout: 60_000 }, () => {
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

  it("listens when started and frees every port when stopped", async () => {
    const operationsPort = await freePort();
    const { app, appservicePort, apiPort } = await appOnFreePorts(operationsPort);
    await app.start();
    try {
      expect((await fetch(`http://127.0.0.1:${apiPort}/health`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${operationsPort}/metrics`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${appservicePort}/_matrix/app/v1/ping`, { method: "POST" })).status).toBe(401);
    } finally {
      await app.stop();
    }
    expect([await portIsFree(appservicePort), await portIsFree(apiPort), await portIsFree(operationsPort)]).toEqual([true, true, true]);
  });

  it("a failed start stops what had started, names the part that failed, and a later stop is harmless", async () => {
    // The operations listener cannot bind: the last listener of the last part.
    const taken = createServer();
    const operationsPort = await freePort();
    await listenOn(taken, operationsPort);
    try {
      const { app, store, appservicePort, apiPort } = await appOnFreePorts(operationsPort);
      await expect(app.start()).rejects.toThrow(/^could not start the api part: .*EADDRINUSE/);
      // The matrix part's listener and the API part's own first listener were closed, the store too.
      expect([await portIsFree(appservicePort), await portIsFree(apiPort)]).toEqual([true, true]);
      await expect(store.kv.get("anything")).rejects.toThrow();
      await app.stop();
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
