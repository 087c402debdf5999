import { closeAll as closeCryptoStores, configure as configureCrypto } from "@matrix-org/matrix-sdk-crypto-nodejs";
import { type Appservice, MatrixClient } from "@vector-im/matrix-bot-sdk";
import type { FastifyInstance } from "fastify";
import { Counter, type Registry } from "prom-client";
import type { MirageConfig } from "../config/configSchema.js";
import type { Logger } from "../log/createLogger.js";
import { fetchPublicImage } from "../http/fetchPublicImage.js";
import { createAppserviceMetrics } from "../matrix/appserviceMetrics.js";
import { AvatarImporter } from "../matrix/AvatarImporter.js";
import { ImageImporter } from "../matrix/ImageImporter.js";
import type { ImageImports } from "../platform/ports/ImageImports.js";
import { BotEventHandler } from "../matrix/BotEventHandler.js";
import { EventRouter, type EventObserver, type PortalRoute } from "../matrix/EventRouter.js";
import { buildAppserviceServer, type AppserviceQueries } from "../matrix/buildAppserviceServer.js";
import { createAppservice } from "../matrix/createAppservice.js";
import { BridgeCrypto } from "../matrix/crypto/BridgeCrypto.js";
import { CrossSigning } from "../matrix/crypto/CrossSigning.js";
import { GhostDevices } from "../matrix/crypto/GhostDevices.js";
import { DrainLoop } from "../platform/work/DrainLoop.js";
import { HomeserverMediaSource } from "../matrix/HomeserverMediaSource.js";
import { homeserverProfileFetch } from "../matrix/homeserverProfileFetch.js";
import type { CachedMatrixProfiles } from "../platform/people/CachedMatrixProfiles.js";
import { MATRIX_ID } from "../platform/people/people.js";
import type { MatrixUserId } from "../platform/ids.js";
import { HomeserverMonitor, type HomeserverStatus } from "../matrix/HomeserverMonitor.js";
import { LaneScheduler } from "../matrix/LaneScheduler.js";
import { MatrixRoomFacts } from "../matrix/MatrixRoomFacts.js";
import { OutboxSender } from "../matrix/OutboxSender.js";
import { RoomEncryptionCache } from "../matrix/RoomEncryptionCache.js";
import { registerQueueGauges } from "../matrix/registerQueueGauges.js";
import type { Registration } from "../matrix/registration.js";
import { syncBotProfile } from "../matrix/syncBotProfile.js";
import { TransactionProcessor } from "../matrix/TransactionProcessor.js";
import { CommandDispatcher } from "../platform/commands/CommandDispatcher.js";
import { CommandRegistry } from "../platform/commands/CommandRegistry.js";
import { coreCommands } from "../platform/commands/coreCommands.js";
import { deadLetterCommands } from "../platform/commands/deadLetterCommands.js";
import { whoamiCommand } from "../platform/commands/whoamiCommand.js";
import type { MediaSource } from "../platform/ports/MediaSource.js";
import type { OutboxEntry, PermanentFailure } from "../platform/ports/Outbox.js";
import type { Store } from "../store/openStore.js";
import { VERSION } from "../version.js";
import type { Part } from "./Part.js";

/** Completed transaction ids are kept this long; homeservers retry for far less. */
const INBOX_RETENTION_MS = 7 * 24 * 3600 * 1000;
/** Ghost avatars fetched from profile URLs: small images, quickly, or not at all (the outbox waits meanwhile). */
const GHOST_AVATAR_FETCH = { maxBytes: 5 * 1024 * 1024, timeoutMs: 10_000 };

/** What the bridge part gives the Matrix side. */
export interface MatrixBridge {
  portal: PortalRoute;
  queries: AppserviceQueries;
  /** The outbox's report of an entry that will never be carried out (see `OutboxSenderOptions`). */
  onPermanentFailure?: (entry: OutboxEntry, failure: PermanentFailure) => Promise<void>;
}

export interface MatrixPart extends Part {
  appservice: Appservice;
  /** The homeserver-facing appservice listener. */
  appserviceApi: FastifyInstance;
  /** The bot's commands; more are registered before start. */
  commands: CommandRegistry;
  /** Durable, ordered sends to the homeserver. */
  outbox: OutboxSender;
  /** Matrix media, read through the homeserver for web pages. */
  media: MediaSource;
  /** Images by URL, fetched safely and uploaded once per URL (for the outbox and the web media route). */
  images: ImageImports;
  /** End-to-bridge encryption (decrypting events, encrypted media); undefined when encryption is off. */
  crypto: BridgeCrypto | undefined;
  homeserverStatus(): HomeserverStatus;
  /** Makes the outbox send what was just queued. */
  kickOutbox(): void;
  /** Sees every room event after its handler finished with it (plugins); returns the removal. */
  observeEvents(observer: EventObserver): () => void;
  /** Sees the ephemeral events (receipts, typing) of each transaction, best effort (plugins); returns the removal. */
  observeEphemeral(observer: (event: Record<string, unknown>) => void): () => void;
  /** Hands portal rooms' events and the homeserver's user and alias queries to the bridge (before start). */
  attachBridge(bridge: MatrixBridge): void;
  /** Counts a message that never reached the other side. */
  countDeliveryFailure(direction: "to_matrix" | "to_platform", reason: string): void;
  /** Lengths of the durable queues, for /health. */
  pendingWork(): Promise<{ inbox: number; roomEvents: number; outbox: number; deadLetters: number }>;
}

/**
 * The Matrix side: appservice, crypto, bot commands, the transaction processor and room lanes,
 * the outbox, the homeserver monitor and the appservice listener. `start()` listens and resumes
 * whatever was acknowledged but not handled before a restart.
 */
export function createMatrixPart(options: {
  config: MirageConfig;
  registration: Registration;
  store: Store;
  registry: Registry;
  logger: Logger;
  /** Told when an admin puts dead letters back, so the other queues that hold them run again. */
  onRequeued?: () => void;
  /** Matrix users' profiles: fetched through the homeserver, refreshed by the member events seen. */
  profiles?: Pick<CachedMatrixProfiles, "attachFetcher" | "noteMember">;
}): MatrixPart {
  const { config, registration, store, registry, logger } = options;
  if (config.encryption.enabled) configureCrypto({ passphrase: config.encryption.passphrase });
  const metrics = createAppserviceMetrics(registry);

  const appservice = createAppservice(config, registration, store.kv, logger);
  const homeserverUrl = config.homeserver.url.replace(/\/+$/, "");
  const crossSigning = new CrossSigning(logger.child({ component: "crypto" }), (userId) => {
    const client = new MatrixClient(homeserverUrl, registration.as_token);
    if (userId !== appservice.botUserId) client.impersonateUserId(userId);
    return client;
  });
  const ghostDevices = config.encryption.enabled
    ? new GhostDevices({
        appservice,
        homeserverUrl,
        asToken: registration.as_token,
        storePath: config.encryption.storePath,
        crossSigning,
        idleMs: config.encryption.ghostStoreIdleSeconds * 1000,
        maxOpen: config.encryption.maxOpenGhostStores,
        logger,
      })
    : undefined;
  const crypto = ghostDevices ? new BridgeCrypto(appservice, ghostDevices, crossSigning, logger) : undefined;

  const commands = new CommandRegistry();
  for (const command of coreCommands({ version: VERSION })) commands.register(command);
  commands.register(whoamiCommand({ botIdentity: () => crypto?.botIdentity() }));
  // Set once the scheduler exists.
  let onRequeued = (): void => undefined;
  for (const command of deadLetterCommands({ deadLetters: store.deadLetters, onRequeued: () => onRequeued() })) commands.register(command);

  const dispatcher = new CommandDispatcher(commands, new MatrixRoomFacts(appservice, config.permissions.admins, store.idMapping));
  const router = new EventRouter({
    botUserId: appservice.botUserId,
    isOwnUser: (userId) => appservice.isNamespacedUser(userId),
    isCommand: (body) => dispatcher.addresses(body),
    bot: new BotEventHandler(appservice, dispatcher, logger),
    onMemberProfile: (userId, content, at) => {
      if (!options.profiles || !MATRIX_ID.test(userId)) return;
      options.profiles.noteMember(userId as MatrixUserId, content.displayname, content.avatar_url, at).catch((error: unknown) => logger.warn({ err: error }, "could not note a Matrix profile"));
    },
  });
  options.profiles?.attachFetcher(homeserverProfileFetch({ homeserverUrl, accessToken: registration.as_token }));
  const maxDelayMs = config.homeserver.retryMaxDelaySeconds * 1000;

  const retry = config.appservice.eventRetry;
  const budget = {
    maxAttempts: retry.maxAttempts,
    maxAgeMs: retry.maxAgeSeconds * 1000,
    initialDelayMs: retry.initialDelayMs,
    maxDelayMs: retry.maxDelaySeconds * 1000,
  };
  const imageImports = new Counter({
    name: "mirage_image_imports_total",
    help: "Images by URL asked for, by result (fetched, cached, refused by the fetch rules, failed remotely).",
    labelNames: ["result"],
    registers: [registry],
  });
  const images = new ImageImporter({
    kv: store.kv,
    fetch: (url) =>
      fetchPublicImage(url, { maxBytes: config.images.maxBytes, timeoutMs: config.images.timeoutSeconds * 1000, allowlist: config.images.fetchAllowlist }),
    upload: (bytes, contentType) => appservice.botClient.uploadContent(bytes, contentType),
    negativeTtlMs: config.images.refusalCacheSeconds * 1000,
    logger,
    count: (result) => imageImports.inc({ result }),
  });
  // Set once the monitor exists: queues spend no retry budget while the homeserver is known to be down.
  let homeserverUsable = (): boolean => true;
  const encryption = new RoomEncryptionCache();
  const outbox = new OutboxSender(store.outbox, appservice, logger, metrics, {
    budget,
    encryption,
    onPermanentFailure: (entry, failure) => bridge?.onPermanentFailure?.(entry, failure),
    mapping: store.idMapping,
    wake: () => outboxLoop.kick(),
    homeserverUsable: () => homeserverUsable(),
    ...(ghostDevices ? { devices: ghostDevices } : {}),
    avatars: new AvatarImporter({
      kv: store.kv,
      fetch: (url) => fetchPublicImage(url, GHOST_AVATAR_FETCH),
      upload: (bytes, contentType) => appservice.botClient.uploadContent(bytes, contentType),
    }),
    images,
  });
  // Set once the monitor exists; loop failures make it re-check the homeserver at once.
  let recheck = (): void => undefined;
  const onFailure = () => recheck();
  const outboxLoop = new DrainLoop(() => outbox.drain(), { name: "outbox", logger, maxDelayMs, onFailure });
  const ephemeralObservers = new Set<(event: Record<string, unknown>) => void>();
  const processor = new TransactionProcessor({
    inbox: store.inbox,
    onEphemeral: (events) => {
      for (const event of events) {
        for (const observer of ephemeralObservers) {
          try {
            observer(event);
          } catch {
            // An observer's failure is its own.
          }
        }
      }
    },
    handlers: [router],
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
    options.onRequeued?.();
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
    onTransactionAccepted: (body) => {
      // Before anything else runs: the next send into a room that just turned encrypted is encrypted.
      encryption.observeEvents(body.events);
      processorLoop.kick();
    },
    onPing: (id) => monitor.notePing(id),
    queries: {
      user: (userId) => bridge?.queries.user(userId) ?? Promise.resolve(false),
      alias: (alias) => bridge?.queries.alias(alias) ?? Promise.resolve(false),
    },
  });

  let bridge: MatrixBridge | undefined;
  registerQueueGauges(registry, store);
  // Parked events are retried on a timer too, not only when new keys arrive.
  const parkedRetryMs = Math.min(30_000, (config.encryption.undecryptableReportAfterSeconds * 1000) / 2);
  let parkedRetry: NodeJS.Timeout | undefined;
  let listening = false;

  return {
    appservice,
    appserviceApi,
    commands,
    outbox,
    crypto,
    images,
    media: new HomeserverMediaSource({
      homeserverUrl: config.homeserver.url,
      accessToken: registration.as_token,
      logger,
      maxBytes: config.api.media.maxBytes,
      timeoutMs: config.api.media.timeoutSeconds * 1000,
    }),
    homeserverStatus: () => monitor.status(),
    kickOutbox: () => outboxLoop.kick(),
    countDeliveryFailure: (direction, reason) => metrics.deliveryFailed.inc({ direction, reason }),
    observeEvents: (observer) => router.observe(observer),
    observeEphemeral: (observer) => {
      ephemeralObservers.add(observer);
      return () => ephemeralObservers.delete(observer);
    },
    attachBridge(attached) {
      bridge = attached;
      router.attachPortals(attached.portal);
    },
    pendingWork: async () => ({
      inbox: await store.inbox.pendingCount(),
      roomEvents: await store.lanes.size(),
      outbox: await store.outbox.size(),
      deadLetters: await store.deadLetters.count(),
    }),
    async start() {
      const pruned = await store.inbox.prune(Date.now() - INBOX_RETENTION_MS);
      if (pruned > 0) logger.debug({ pruned }, "pruned old transaction ids");
      listening = true;
      await appserviceApi.listen({ port: config.appservice.port, host: config.appservice.bindAddress });
      if (crypto) {
        parkedRetry = setInterval(() => {
          processor.markParkedRetryDue();
          processorLoop.kick();
        }, parkedRetryMs);
        parkedRetry.unref();
      }
      // Replays whatever was acknowledged but not handled before a restart.
      processorLoop.kick();
      lanes.kick();
      outboxLoop.kick();
      monitor.start();
    },
    async stop() {
      if (parkedRetry) clearInterval(parkedRetry);
      await monitor.stop();
      if (listening) await appserviceApi.close();
      await processorLoop.stop();
      await lanes.stop();
      await outboxLoop.stop();
      outbox.stop();
      await ghostDevices?.closeAll();
      if (crypto) await closeCryptoStores();
    },
  };
}
