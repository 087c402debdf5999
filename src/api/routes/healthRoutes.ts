import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";

/** What the health route reports; supplied by the composition root. */
export interface HealthSource {
  version: string;
  homeserver(): {
    reachable: boolean;
    ready: boolean;
    appservicePing: { ok: boolean; durationMs?: number; problem?: string } | undefined;
    lastCheckedAt: number | undefined;
    problem: string | undefined;
  };
  /** Queue lengths: transactions not yet fanned out, room events waiting in lanes, sends, dead letters. */
  pendingWork(): Promise<{ inbox: number; roomEvents?: number; outbox: number; deadLetters?: number }>;
}

const pingSchema = {
  type: ["object", "null"],
  properties: { ok: { type: "boolean" }, durationMs: { type: "number" }, problem: { type: "string" } },
} as const;

const healthResponse = {
  type: "object",
  required: ["status", "version", "homeserver"],
  properties: {
    status: { type: "string", enum: ["ok", "degraded"] },
    version: { type: "string" },
    homeserver: {
      type: "object",
      properties: {
        reachable: { type: "boolean" },
        ready: { type: "boolean" },
        appservicePing: pingSchema,
        lastCheckedAt: { type: ["string", "null"] },
        problem: { type: ["string", "null"] },
      },
    },
    queues: {
      type: "object",
      properties: { inbox: { type: "integer" }, roomEvents: { type: "integer" }, outbox: { type: "integer" }, deadLetters: { type: "integer" } },
    },
  },
} as const;

/** `/health` (always 200 while the process serves; `status` says whether all is well) and `/metrics`. */
export async function healthRoutes(app: FastifyInstance, opts: { health: HealthSource; registry: Registry }): Promise<void> {
  app.get("/health", { schema: { summary: "Liveness and the homeserver link's state", tags: ["operations"], response: { 200: healthResponse } } }, async () => {
    const hs = opts.health.homeserver();
    const ok = hs.ready && hs.appservicePing?.ok === true;
    return {
      status: ok ? "ok" : "degraded",
      version: opts.health.version,
      homeserver: {
        reachable: hs.reachable,
        ready: hs.ready,
        appservicePing: hs.appservicePing ?? null,
        lastCheckedAt: hs.lastCheckedAt === undefined ? null : new Date(hs.lastCheckedAt).toISOString(),
        problem: hs.problem ?? null,
      },
      queues: await opts.health.pendingWork(),
    };
  });

  app.get("/metrics", { schema: { summary: "Prometheus metrics (text format)", tags: ["operations"] } }, async (_request, reply) => {
    reply.header("content-type", opts.registry.contentType);
    return opts.registry.metrics();
  });
}
