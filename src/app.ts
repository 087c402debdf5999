import { MatrixClient } from "@vector-im/matrix-bot-sdk";
import type { FastifyInstance } from "fastify";
import { closeAll as closeCryptoStores, configure as configureCrypto } from "@matrix-org/matrix-sdk-crypto-nodejs";
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { buildApi } from "./api/buildApi.js";
import { buildOperationsServer } from "./api/buildOperationsServer.js";
import type { MirageConfig } from "./config/configSchema.js";
import type { Logger } from "./log/createLogger.js";
import { createAppserviceMetrics } from "./matrix/appserviceMetrics.js";
import { BotEventHandler } from "./matrix/BotEventHandler.js";
import { buildAppserviceServer } from "./matrix/buildAppserviceServer.js";
import { createAppservice } from "./matrix/createAppservice.js";
import { DrainLoop } from "./platform/work/DrainLoop.js";
import { HomeserverMonitor, type HomeserverStatus } from "./matrix/HomeserverMonitor.js";
import { HomeserverMediaSource } from "./matrix/HomeserverMediaSource.js";
import { MatrixRoomFacts } from "./matrix/MatrixRoomFacts.js";
import { OutboxSender } from "./matrix/OutboxSender.js";
import type { Registration } from "./matrix/registration.js";
import { syncBotProfile } from "./matrix/syncBotProfile.js";
import { TransactionProcessor } from "./matrix/TransactionProcessor.js";
import { LaneScheduler } from "./matrix/LaneScheduler.js";
import { deadLetterCommands } from "./platform/commands/deadLetterCommands.js";
import { CommandDispatcher } from "./platform/commands/CommandDispatcher.js";
import { CommandRegistry } from "./platform/commands/CommandRegistry.js";
import { coreCommands } from "./platform/commands/coreCommands.js";
import { whoamiCommand } from "./platform/commands/whoamiCommand.js";
import { BridgeCrypto } from "./matrix/crypto/BridgeCrypto.js";
import { openLevelStore, type Store } from "./store/openStore.js";
import { VERSION } from "./version.js";
import { AccountService } from "./platform/accounts/AccountService.js";
import { LoginThrottle } from "./platform/accounts/LoginThrottle.js";
import { WriteThrottle } from "./platform/accounts/WriteThrottle.js";
import { mediaServerPolicy } from "./platform/media/mediaServerPolicy.js";
import { ScryptPasswordHasher, type PasswordHasher } from "./platform/accounts/PasswordHasher.js";
import { TokenSigner } from "./platform/accounts/TokenSigner.js";
import { accessTokenSecret } from "./api/accessTokenSecret.js";
import { GHOST_PREFIX, ghostAccounts } from "./matrix/registration.js";
import { DomainEventBus } from "./platform/events/DomainEvent.js";
import { createPlatformServices } from "./platform/createPlatformServices.js";
import { createMarkdownRenderer, createProfileSanitizer } from "./platform/render/createMarkdownRenderer.js";
import { RenderPool } from "./workers/RenderPool.js";
import { publishDomainEvents } from "./platform/sync/publishDomainEvents.js";
import { SyncHub } from "./platform/sync/SyncHub.js";
import { JournalConsumers } from "./platform/journal/JournalConsumers.js";

/** Completed transaction ids are kept this long; homeservers retry for far less. */
const INBOX_RETENTION_MS = 7 * 24 * 3600 * 1000;

export interface MirageApp {
  /** The HTTP side (JSON API, pages, /health, /metrics). */
  api: FastifyInstance;
  /** The homeserver-facing appservice listener. */
  appserviceApi: FastifyInstance;
  commands: CommandRegistry;
  homeserverStatus(): HomeserverStatus;
  start(): Promise<void>;
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

/** The composition root: store → platform → matrix → api, and their lifecycle. */
export async function createApp(options: CreateAppOptions): Promise<MirageApp> {
  const { config, registration, logger } = options;
  const store = options.store ?? (await openLevelStore(config.store.path));
  if (config.encryption.enabled) configureCrypto({ passphrase: config.encryption.passphrase });

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "mirage_" });
  const metrics = createAppserviceMetrics(registry);

  const appservice = createAppservice(config, registration, store.kv, logger);
  const crypto = config.encryption.enabled ? new BridgeCrypto(appservice) : undefined;

  const commands = new CommandRegistry();
  for (const command of coreCommands({ version: VERSION })) commands.register(command);
  commands.register(whoamiCommand({ botIdentity: () => crypto?.botIdentity() }));
  // Set once the scheduler exists.
  let onRequeued = (): void => undefined;
  for (const command of deadLetterCommands({ deadLetters: store.deadLetters, onRequeued: () => onRequeued() })) commands.register(command);

  const dispatcher = new CommandDispatcher(commands, new MatrixRoomFacts(appservice, config.permissions.admins));
  const maxDelayMs = config.homeserver.retryMaxDelaySeconds * 1000;

  const retry = config.appservice.eventRetry;
  const budget = {
    maxAttempts: retry.maxAttempts,
    maxAgeMs: retry.maxAgeSeconds * 1000,
    initialDelayMs: retry.initialDelayMs,
    maxDelayMs: retry.maxDelaySeconds * 1000,
  };
  // Set once the monitor exists: queues spend no retry budget while the homeserver is known to be down.
  let homeserverUsable = (): boolean => true;
  const outbox = new OutboxSender(store.outbox, appservice, logger, metrics, {
    budget,
    mapping: store.idMapping,
    wake: () => outboxLoop.kick(),
    homeserverUsable: () => homeserverUsable(),
  });
  // Set once the monitor exists; loop failures make it re-check the homeserver at once.
  let recheck = (): void => undefined;
  const onFailure = () => recheck();
  const outboxLoop = new DrainLoop(() => outbox.drain(), { name: "outbox", logger, maxDelayMs, onFailure });
  const processor = new TransactionProcessor({
    inbox: store.inbox,
    handlers: [new BotEventHandler(appservice, dispatcher, logger)],
    logger,
    metrics,
    onEffects: () => outboxLoop.kick(),
    onLanesFilled: () => lanes.kick(),
    crypto,
    undecryptable: store.undecryptable,
    botUserId: appservice.botUserId,
    reportUndecryptableAfterMs: config.encryption.undecryptableReportAfterSeconds * 1000,
  });
  const processorLoop = new DrainLoop(() => processor.ingest(), { name: "transactions", logger, maxDelayMs, onFailure });
  const lanes = new LaneScheduler({
    lanes: store.lanes,
    handle: (entry) => processor.handleEvent(entry.event),
    onEffects: () => outboxLoop.kick(),
    onUnreachable: onFailure,
    homeserverUsable: () => homeserverUsable(),
    budget,
    concurrency: config.appservice.roomConcurrency,
    outageMaxDelayMs: maxDelayMs,
    logger,
    metrics,
  });
  onRequeued = () => {
    lanes.kick();
    outboxLoop.kick();
    journal.kick();
  };

  const monitor = new HomeserverMonitor({
    appservice,
    appserviceClient: new MatrixClient(config.homeserver.url.replace(/\/+$/, ""), registration.as_token),
    homeserverUrl: config.homeserver.url,
    registrationId: registration.id,
    logger,
    metrics,
    maxDelayMs,
    onConnected: async () => {
      await syncBotProfile(appservice, config.bot, store.kv);
      await crypto?.enableBot();
    },
    onReady: () => {
      processorLoop.kick();
      lanes.resume();
      outboxLoop.kick();
    },
  });

  recheck = () => void monitor.check();
  homeserverUsable = () => monitor.status().ready;

  const appserviceApi = buildAppserviceServer({
    hsToken: registration.hs_token,
    inbox: store.inbox,
    logger: logger.child({ component: "appservice-api" }),
    metrics,
    onTransactionAccepted: () => processorLoop.kick(),
    onPing: (id) => monitor.notePing(id),
  });

  const pendingWork = async () => ({
    inbox: await store.inbox.pendingCount(),
    roomEvents: await store.lanes.size(),
    outbox: await store.outbox.size(),
    deadLetters: await store.deadLetters.count(),
  });
  new Gauge({
    name: "mirage_dead_letters",
    help: "Events set aside after their retry budget, waiting for an admin's retry.",
    registers: [registry],
    async collect() {
      this.set(await store.deadLetters.count());
    },
  });
  new Gauge({
    name: "mirage_room_lanes_pending",
    help: "Room events accepted and waiting in their rooms' lanes.",
    registers: [registry],
    async collect() {
      this.set(await store.lanes.size());
    },
  });
  new Gauge({
    name: "mirage_undecryptable_pending",
    help: "Encrypted events waiting for their keys.",
    registers: [registry],
    async collect() {
      this.set(await store.undecryptable.count());
    },
  });
  // Parked events are retried on a timer too, not only when new keys arrive.
  const parkedRetryMs = Math.min(30_000, (config.encryption.undecryptableReportAfterSeconds * 1000) / 2);
  const parkedRetry = crypto
    ? setInterval(() => {
        processor.markParkedRetryDue();
        processorLoop.kick();
      }, parkedRetryMs)
    : undefined;
  parkedRetry?.unref();
  new Gauge({
    name: "mirage_outbox_pending",
    help: "Outbound Matrix sends waiting in the durable outbox.",
    registers: [registry],
    async collect() {
      this.set(await store.outbox.size());
    },
  });

  const accountService = new AccountService({
    accounts: store.accounts,
    sessions: store.sessions,
    hasher: options.passwordHasher ?? new ScryptPasswordHasher(),
    tokens: new TokenSigner(await accessTokenSecret(config.api.jwtSecret, store.kv), { lifetimeSeconds: config.api.accessTokenTtlSeconds }),
    refreshGraceMs: config.api.refreshGraceSeconds * 1000,
    throttle: new LoginThrottle({ perSource: config.api.rateLimits.loginFailuresPerSource, perAccount: config.api.rateLimits.loginFailuresPerAccount }),
  });

  // No consumer reads the journal yet (the bridge relay will); it is pruned as it is written.
  const journal = new JournalConsumers({ journal: store.journal, handlers: [], budget, logger });
  const events = new DomainEventBus();
  const hub = new SyncHub(config.api.sync);
  publishDomainEvents(events, hub);
  const renderPool = new RenderPool({ ...config.render, publicUrl: config.api.publicUrl, logger: logger.child({ component: "render" }) });
  const renderer = createMarkdownRenderer(renderPool.run);
  const platform = createPlatformServices({
    repositories: store,
    renderer,
    profileSanitizer: createProfileSanitizer(renderPool.run),
    events,
    ghosts: ghostAccounts(config.homeserver.domain),
  });

  const health = { version: VERSION, homeserver: () => monitor.status(), pendingWork };
  const operationsAccess = { token: config.operations.token, metricsRequireToken: config.operations.metrics.requireToken };
  const operationsApi =
    config.operations.metrics.port === 0 ? undefined : await buildOperationsServer({ logger, registry, health, access: operationsAccess });
  const api = await buildApi({
    logger,
    registry,
    trustProxy: config.api.trustProxy,
    bodyLimitBytes: config.api.bodyLimitBytes,
    corsOrigins: config.api.cors.origins,
    version: VERSION,
    health,
    operations: { ...operationsAccess, serveMetrics: config.operations.metrics.port === 0 },
    chat: platform.chat,
    profiles: platform.profiles,
    sync: hub,
    blogs: { blogs: platform.blogs, comments: platform.comments, reactions: platform.reactions },
    media: {
      source: new HomeserverMediaSource({
        homeserverUrl: config.homeserver.url,
        accessToken: registration.as_token,
        logger,
        maxBytes: config.api.media.maxBytes,
        timeoutMs: config.api.media.timeoutSeconds * 1000,
      }),
      serves: mediaServerPolicy(config.homeserver.domain, config.api.media.servers),
      perMinutePerIp: config.api.rateLimits.mediaPerMinutePerIp,
      cacheMaxAgeSeconds: config.api.media.cacheMaxAgeSeconds,
    },
    accounts: {
      service: accountService,
      matrixIdFor: (name) => `@${GHOST_PREFIX}${name}:${config.homeserver.domain}`,
      limits: config.api.rateLimits,
      writes: new WriteThrottle({
        perMinute: config.api.rateLimits.writesPerMinutePerAccount,
        burst: config.api.rateLimits.writeBurstPerAccount,
        charsPerWrite: config.api.rateLimits.writeCostChars,
      }),
    },
  });

  let started = false;
  return {
    api,
    appserviceApi,
    commands,
    homeserverStatus: () => monitor.status(),
    async start() {
      const pruned = await store.inbox.prune(Date.now() - INBOX_RETENTION_MS);
      if (pruned > 0) logger.debug({ pruned }, "pruned old transaction ids");
      await appserviceApi.listen({ port: config.appservice.port, host: config.appservice.bindAddress });
      await api.listen({ port: config.api.port, host: config.api.bindAddress });
      await operationsApi?.listen({ port: config.operations.metrics.port, host: config.operations.metrics.bindAddress });
      started = true;
      logger.info(
        { appservice: `${config.appservice.bindAddress}:${config.appservice.port}`, api: `${config.api.bindAddress}:${config.api.port}`, version: VERSION },
        "Mirage listening",
      );
      // Replays whatever was acknowledged but not handled before a restart.
      processorLoop.kick();
      lanes.kick();
      outboxLoop.kick();
      monitor.start();
      journal.start();
    },
    async stop() {
      if (parkedRetry) clearInterval(parkedRetry);
      // Answers waiting long-polls so the HTTP server can close promptly.
      hub.close();
      await monitor.stop();
      if (started) await appserviceApi.close();
      await processorLoop.stop();
      await lanes.stop();
      await outboxLoop.stop();
      outbox.stop();
      await journal.stop();
      if (started) await api.close();
      if (started) await operationsApi?.close();
      await renderPool.close();
      if (crypto) await closeCryptoStores();
      await store.close();
      logger.info("Mirage stopped");
    },
  };
}
