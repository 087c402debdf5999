import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { Logger } from "../log/createLogger.js";
import { errorHandler, notFoundHandler } from "./errorHandler.js";
import { healthRoutes, type HealthSource } from "./routes/healthRoutes.js";

export interface ApiDeps {
  logger: Logger;
  registry: Registry;
  health: HealthSource;
  trustProxy: boolean;
}

/** Builds the HTTP side without listening, so tests drive it through `inject()`. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: "api" }) as FastifyBaseLogger,
    trustProxy: deps.trustProxy,
    bodyLimit: 1024 * 1024,
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  await app.register(healthRoutes, { health: deps.health, registry: deps.registry });
  return app;
}
