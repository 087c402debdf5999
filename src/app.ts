import type { FastifyInstance } from "fastify";
import { registerJournalLagGauges } from "./parts/registerJournalLagGauges.js";
import { collectDefaultMetrics, Registry } from "prom-client";
import type { MirageConfig } from "./config/configSchema.js";
import type { Logger } from "./log/createLogger.js";
import type { HomeserverStatus } from "./matrix/HomeserverMonitor.js";
import type { Registration } from "./matrix/registration.js";
import type { PasswordHasher } from "./platform/accounts/PasswordHasher.js";
import type { CommandRegistry } from "./platform/commands/CommandRegistry.js";
import { createApiPart } from "./parts/createApiPart.js";
import { createBridgePart } from "./parts/createBridgePart.js";
import { createMatrixPart } from "./parts/createMatrixPart.js";
import { createPlatformPart } from "./parts/createPlatformPart.js";
import { createPluginsPart } from "./parts/createPluginsPart.js";
import { createStorePart } from "./parts/createStorePart.js";
import { PartLifecycle } from "./parts/PartLifecycle.js";
import type { Store } from "./store/openStore.js";
import { VERSION } from "./version.js";

export interface MirageApp {
  /** The HTTP side (JSON API, pages, /health, /metrics). */
  api: FastifyInstance;
  /** The homeserver-facing appservice listener. */
  appserviceApi: FastifyInstance;
  commands: CommandRegistry;
  homeserverStatus(): HomeserverStatus;
  /** Starts the parts in order; if one fails, stops them all and throws a `PartFailure` naming it. */
  start(): Promise<void>;
  /** Stops the parts in reverse order, each once, all of them even when one fails. */
  stop(): Promise<void>;
}

export interface CreateAppOptions {
  config: MirageConfig;
  registration: Registration;
  logger: Logger;
  /** Defaults to the level store at `config.store.path`. */
  store?: Store;
  /** Defaults to scrypt at OWASP parameters; tests pass cheaper parameters. */
  passwordHasher?: PasswordHasher;
}

/** The composition root: builds store → platform → matrix → bridge → plugins → api from config, and owns their lifecycle. */
export async function createApp(options: CreateAppOptions): Promise<MirageApp> {
  const { config, registration, logger } = options;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "mirage_" });

  const parts = new PartLifecycle(logger);
  const { store } = await parts.build("store", () => createStorePart({ path: config.store.path, ...(options.store ? { store: options.store } : {}) }));
  const platform = await parts.build("platform", () =>
    createPlatformPart({ config, store, logger, overrides: options.passwordHasher ? { passwordHasher: options.passwordHasher } : {} }),
  );
  const matrix = await parts.build("matrix", () => createMatrixPart({ config, registration, store, registry, logger, onRequeued: () => platform.journal.kick(), profiles: platform.matrixProfiles }));
  const bridge = config.bridge.enabled ? await parts.build("bridge", () => createBridgePart({ config, store, platform, matrix, logger, registry })) : undefined;
  // Plugins start while Mirage is built: their commands and hooks join before anything starts, and
  // their routes exist when the API is built next. Stopped after the API, before the bridge.
  const plugins = await parts.build("plugins", () => createPluginsPart({ config, store, platform, matrix, logger }));
  registerJournalLagGauges(registry, store.journal, platform.journal);
  const api = await parts.build("api", () =>
    createApiPart({
      config,
      logger,
      registry,
      platform,
      health: { version: VERSION, homeserver: () => matrix.homeserverStatus(), pendingWork: () => matrix.pendingWork(), plugins: () => plugins.status() },
      plugins: plugins.routes,
      mediaSource: matrix.media,
      ...(bridge ? { encryptedMedia: bridge.encryptedMedia } : {}),
      images: matrix.images,
      version: VERSION,
    }),
  );

  return {
    api: api.api,
    appserviceApi: matrix.appserviceApi,
    commands: matrix.commands,
    homeserverStatus: () => matrix.homeserverStatus(),
    async start() {
      await parts.start();
      logger.info(
        { appservice: `${config.appservice.bindAddress}:${config.appservice.port}`, api: `${config.api.bindAddress}:${config.api.port}`, version: VERSION },
        "Mirage listening",
      );
    },
    async stop() {
      await parts.stop();
      logger.info("Mirage stopped");
    },
  };
}
