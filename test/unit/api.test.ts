import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/buildApi.js";
import { buildOperationsServer } from "../../src/api/buildOperationsServer.js";
import { createLogger } from "../../src/log/createLogger.js";
import { ErrorCodes, MirageError } from "../../src/platform/errors/MirageError.js";
import { apiHarness } from "../support/apiHarness.js";

function health(ready: boolean) {
  return {
    version: "1.2.3",
    homeserver: () => ({
      reachable: ready,
      ready,
      appservicePing: ready ? { ok: true, durationMs: 3 } : undefined,
      lastCheckedAt: 0,
      problem: ready ? undefined : "homeserver at http://hs is unreachable (ECONNREFUSED)",
    }),
    pendingWork: async () => ({ inbox: 0, outbox: 2 }),
  };
}

describe("HTTP side", () => {
  const OPERATIONS_TOKEN = "operations-token-0123456789abcdef0123";
  const operations = { token: OPERATIONS_TOKEN, metricsRequireToken: false, serveMetrics: true };
  const asOperator = { authorization: `Bearer ${OPERATIONS_TOKEN}` };

  it("reports a degraded homeserver in /health and says why, to the operations token", async () => {
    const app = await buildApi({ logger: createLogger("silent"), registry: new Registry(), health: health(false), trustProxy: false, operations });
    const res = await app.inject({ url: "/health", headers: asOperator });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: "degraded",
      version: "1.2.3",
      homeserver: { reachable: false, ready: false, problem: expect.stringContaining("ECONNREFUSED") },
      queues: { inbox: 0, outbox: 2 },
    });
    const ok = await buildApi({ logger: createLogger("silent"), registry: new Registry(), health: health(true), trustProxy: false, operations });
    expect((await ok.inject({ url: "/health", headers: asOperator })).json()).toMatchObject({ status: "ok", homeserver: { appservicePing: { ok: true } } });
  });

  it("tells anyone without the operations token only ok or degraded", async () => {
    for (const [ready, status] of [[false, "degraded"], [true, "ok"]] as const) {
      for (const configured of [operations, undefined]) {
        const app = await buildApi({ logger: createLogger("silent"), registry: new Registry(), health: health(ready), trustProxy: false, ...(configured ? { operations: configured } : {}) });
        for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: `Bearer ${OPERATIONS_TOKEN}x` }, { authorization: OPERATIONS_TOKEN }, { authorization: "Bearer " }]) {
          const res = await app.inject({ url: "/health", headers });
          expect(res.statusCode).toBe(200);
          expect(res.json()).toEqual({ status });
        }
        // No token configured: nobody gets the details, not even with an empty bearer.
        if (!configured) expect((await app.inject({ url: "/health", headers: asOperator })).json()).toEqual({ status });
      }
    }
  });

  it("serves Prometheus metrics", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({});
    const app = await buildApi({ logger: createLogger("silent"), registry, health: health(true), trustProxy: false });
    const { Counter } = await import("prom-client");
    new Counter({ name: "mirage_test_total", help: "t", registers: [registry] }).inc(3);
    const res = await app.inject({ url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/plain");
    expect(res.body).toContain("mirage_test_total 3");
    expect(res.body.startsWith('"')).toBe(false);
  });

  it("serves /metrics only with the operations token when required, and not at all when it has its own listener", async () => {
    const registry = new Registry();
    const { Counter } = await import("prom-client");
    new Counter({ name: "mirage_test_total", help: "t", registers: [registry] }).inc(1);
    const locked = await buildApi({ logger: createLogger("silent"), registry, health: health(true), trustProxy: false, operations: { ...operations, metricsRequireToken: true } });
    for (const headers of [{}, { authorization: "Bearer wrong" }]) {
      const res = await locked.inject({ url: "/metrics", headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers["www-authenticate"]).toBe("Bearer");
      expect(res.json().error.code).toBe("UNAUTHENTICATED");
      expect(res.body).not.toContain("mirage_test_total");
    }
    const allowed = await locked.inject({ url: "/metrics", headers: asOperator });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.body).toContain("mirage_test_total 1");

    const elsewhere = await buildApi({ logger: createLogger("silent"), registry, health: health(true), trustProxy: false, operations: { ...operations, serveMetrics: false } });
    expect((await elsewhere.inject({ url: "/metrics", headers: asOperator })).statusCode).toBe(404);
    const own = await buildOperationsServer({ logger: createLogger("silent"), registry, health: health(false), access: { token: OPERATIONS_TOKEN, metricsRequireToken: false } });
    expect((await own.inject({ url: "/metrics" })).body).toContain("mirage_test_total 1");
    expect((await own.inject({ url: "/health" })).json()).toEqual({ status: "degraded" });
    expect((await own.inject({ url: "/health", headers: asOperator })).json()).toMatchObject({ status: "degraded", queues: { outbox: 2 } });
  });

  it("answers unknown routes and every error in one shape; 5xx details stay in the log", async () => {
    const lines: string[] = [];
    const logger = createLogger("info", { write: (l: string) => void lines.push(l) });
    const app = await buildApi({ logger, registry: new Registry(), health: health(true), trustProxy: false });
    app.get("/boom", async () => {
      throw new Error("database password is hunter2");
    });
    app.get("/gone", async () => {
      throw new MirageError(ErrorCodes.notFound, "No such post.");
    });
    const missing = await app.inject({ url: "/nope?x=1" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: "NOT_FOUND", message: "No route for GET /nope" } });
    expect((await app.inject({ url: "/gone" })).json()).toEqual({ error: { code: "NOT_FOUND", message: "No such post." } });
    const boom = await app.inject({ url: "/boom" });
    expect(boom.statusCode).toBe(500);
    expect(boom.json()).toEqual({ error: { code: "INTERNAL", message: "Internal error" } });
    expect(boom.body).not.toContain("hunter2");
    expect(lines.join("\n")).toContain("hunter2");
  });
});

describe("request logs", () => {
  it("name the route, never the URL's ids and keys, bodies, tokens or the client's address", async () => {
    const lines: string[] = [];
    const h = await apiHarness({ logger: createLogger("info", { write: (l: string) => void lines.push(l) }) });
    const alice = await h.signUp("alice");
    const room = (await h.json("POST", "/api/v1/rooms", { name: "secret-room-name" }, alice)).body;
    const message = (await h.json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "secret message body" }, alice)).body;
    await h.json("PUT", `/api/v1/messages/${message.id}/reactions/${encodeURIComponent("secretkey")}`, undefined, alice);
    await h.json("GET", "/api/v1/sync?timeout=0", undefined, alice);
    const log = lines.join("\n");
    expect(log).toContain('"route":"/api/v1/messages/:id/reactions/:key"');
    for (const secret of ["secretkey", "secret message body", "secret-room-name", message.id, room.id, alice, "correct horse battery", "127.0.0.1", "remoteAddress"]) {
      expect(log, secret).not.toContain(secret);
    }
  });
});
