import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { Logger } from "../log/createLogger.js";
import { errorHandler, notFoundHandler } from "./errorHandler.js";
import { ErrorResponse } from "./schemas/common.js";
import { healthRoutes, type HealthSource, type OperationsAccess } from "./routes/healthRoutes.js";

/**
 * The listener of its own for `/metrics` and `/health` (config `operations.metrics.port`), so
 * operators can keep metrics off the public HTTP side; same routes, same access rules.
 */
export async function buildOperationsServer(deps: { logger: Logger; registry: Registry; health: HealthSource; access: Omit<OperationsAccess, "serveMetrics"> }): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: "operations" }) as FastifyBaseLogger,
    // Scrapes every few seconds would flood the log.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.addSchema(ErrorResponse);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler(() => []));
  await app.register(healthRoutes, { health: deps.health, registry: deps.registry, access: { ...deps.access, serveMetrics: true } });
  return app;
}
