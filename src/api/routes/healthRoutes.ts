import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Registry } from "prom-client";
import { bearerTokenMatches } from "../../http/bearerTokenMatches.js";
import { ErrorCodes } from "../../platform/errors/MirageError.js";
import { errorResponses } from "../schemas/common.js";

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
  /** Each configured plugin's state: `running` or `disabled: <reason>`; a disabled one makes the status degraded. */
  plugins?(): Record<string, string>;
}

/** Who may see what on the operations routes. */
export interface OperationsAccess {
  /** Bearer token that shows /health's details and reads a restricted /metrics; empty: nobody over HTTP. */
  token: string;
  /** /metrics answers 401 without the token. */
  metricsRequireToken: boolean;
  /** Whether this listener serves /metrics (false when it has a listener of its own). */
  serveMetrics: boolean;
}

const pingSchema = {
  type: ["object", "null"],
  properties: { ok: { type: "boolean" }, durationMs: { type: "number" }, problem: { type: "string" } },
} as const;

const healthResponse = {
  type: "object",
  required: ["status"],
  description: "Anonymous callers get only `status`; with `Authorization: Bearer <operations.token>` the details too.",
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
    plugins: {
      type: "object",
      description: "Each configured plugin: `running`, or `disabled: <reason>`.",
      additionalProperties: { type: "string" },
    },
  },
} as const;

/** `/health` (always 200 while the process serves; `status` says whether all is well) and `/metrics`. */
export async function healthRoutes(app: FastifyInstance, opts: { health: HealthSource; registry: Registry; access: OperationsAccess }): Promise<void> {
  const { access } = opts;
  const operator = (request: FastifyRequest) => access.token !== "" && bearerTokenMatches(request.headers.authorization, access.token);

  app.get(
    "/health",
    { schema: { summary: "Liveness: ok or degraded; the homeserver link's state and queues for operators", tags: ["operations"], response: { 200: healthResponse } } },
    async (request) => {
      const hs = opts.health.homeserver();
      const plugins = opts.health.plugins?.() ?? {};
      const pluginsRun = Object.values(plugins).every((state) => state === "running");
      const status = hs.ready && hs.appservicePing?.ok === true && pluginsRun ? "ok" : "degraded";
      if (!operator(request)) return { status };
      return {
        status,
        version: opts.health.version,
        homeserver: {
          reachable: hs.reachable,
          ready: hs.ready,
          appservicePing: hs.appservicePing ?? null,
          lastCheckedAt: hs.lastCheckedAt === undefined ? null : new Date(hs.lastCheckedAt).toISOString(),
          problem: hs.problem ?? null,
        },
        queues: await opts.health.pendingWork(),
        plugins,
      };
    },
  );

  if (!access.serveMetrics) return;
  app.get(
    "/metrics",
    {
      schema: {
        summary: "Prometheus metrics (text format); with operations.metrics.requireToken, only with the operations token",
        tags: ["operations"],
        // No type for 200: the text is sent as it is, not serialized.
        response: { 200: { description: "Prometheus text exposition format" }, ...errorResponses(401) },
      },
    },
    async (request, reply: FastifyReply) => {
      if (access.metricsRequireToken && !operator(request)) {
        return reply.code(401).header("www-authenticate", "Bearer").send({ error: { code: ErrorCodes.unauthenticated, message: "Metrics need the operations token." } });
      }
      reply.header("content-type", opts.registry.contentType);
      return opts.registry.metrics();
    },
  );
}
