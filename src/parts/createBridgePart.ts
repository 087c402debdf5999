import type { Registry } from "prom-client";
import type { MirageConfig } from "../config/configSchema.js";
import type { Logger } from "../log/createLogger.js";
import { BlogEventHandler } from "../bridge/BlogEventHandler.js";
import { BlogRelay } from "../bridge/BlogRelay.js";
import type { BlogRoomSettings } from "../bridge/blogRoomCreation.js";
import { BridgeEventHandler } from "../bridge/BridgeEventHandler.js";
import { EncryptedMediaAccess } from "../bridge/EncryptedMediaAccess.js";
import { bridgedRoomRoute } from "../bridge/bridgedRoomRoute.js";
import { createBridgeMetrics } from "../bridge/bridgeMetrics.js";
import { blogCommands } from "../bridge/commands/blogCommands.js";
import { blogWebUrls } from "../bridge/blogWebUrls.js";
import { portalCommands } from "../bridge/commands/portalCommands.js";
import { countInbound } from "../bridge/countInbound.js";
import { RelayCounter } from "../bridge/countRelayed.js";
import type { MatrixStateEvent } from "../bridge/portalResync.js";
import { BridgeNames } from "../bridge/bridgeNames.js";
import { BridgeQueries } from "../bridge/BridgeQueries.js";
import { BridgeRelay, RELAY_CONSUMER } from "../bridge/BridgeRelay.js";
import { markUndelivered } from "../bridge/markUndelivered.js";
import { ReadReceiptImporter } from "../bridge/ReadReceiptImporter.js";
import { blogUrl } from "../bridge/convert/postToMatrix.js";
import type { PortalSettings } from "../bridge/portalCreation.js";
import { mediaUrlUnder } from "../platform/render/createMarkdownRenderer.js";
import { GHOST_PREFIX, ghostAccounts } from "../matrix/registration.js";
import type { Store } from "../store/openStore.js";
import { isTransientError } from "../matrix/isTransientError.js";
import type { MatrixPart } from "./createMatrixPart.js";
import type { Part } from "./Part.js";
import type { PlatformPart } from "./createPlatformPart.js";

/** Outbox receipts of the relay are kept this long: far longer than any crash-and-restart. */
const RECEIPT_RETENTION_MS = 7 * 24 * 3600 * 1000;

export interface BridgePart extends Part {
  names: BridgeNames;
  relay: BridgeRelay;
  blogRelay: BlogRelay;
  inbound: BridgeEventHandler;
  /** Attachments of encrypted Matrix messages, decrypted for their readers on the web. */
  encryptedMedia: EncryptedMediaAccess;
}

/**
 * The bridge: reads the platform's journal into the outbox (platform → Matrix), handles portal
 * rooms' events (Matrix → platform), and answers the homeserver's user and alias queries.
 * Registered with the platform and Matrix parts while they are built; they start it.
 */
export function createBridgePart(options: {
  config: MirageConfig;
  store: Store;
  platform: PlatformPart;
  matrix: MatrixPart;
  logger: Logger;
  /** Where the bridge's metrics are registered. */
  registry: Registry;
}): BridgePart {
  const { config, store, platform, matrix, logger } = options;
  const metrics = createBridgeMetrics(options.registry, { journal: store.journal, consumer: RELAY_CONSUMER });
  const relayCounter = new RelayCounter(metrics);
  const names = new BridgeNames(GHOST_PREFIX, config.homeserver.domain);
  const ghosts = ghostAccounts(config.homeserver.domain);
  const botUserId = matrix.appservice.botUserId;
  const publicUrl = config.api.publicUrl.replace(/\/+$/, "");
  const portal: PortalSettings = {
    botUserId,
    encrypt: config.encryption.enabled && config.bridge.encryptPortals,
    roomUrl: (room) => `${publicUrl}/app/rooms/${room.id}`,
  };
  const relay = new BridgeRelay({
    rooms: store.rooms,
    messages: store.messages,
    accounts: store.accounts,
    mapping: store.idMapping,
    outbox: store.outbox,
    renderer: platform.renderer,
    names,
    portal,
    logger,
    maxImagesPerMessage: config.images.maxPerMessage,
    onQueued: () => {
      relayCounter.noteQueued();
      matrix.kickOutbox();
    },
  });
  const blogRoom: BlogRoomSettings = { botUserId, blogUrl: (owner) => blogUrl(publicUrl, owner) };
  const blogRelay = new BlogRelay({
    blogs: platform.services.blogs,
    posts: store.posts,
    comments: store.comments,
    accounts: store.accounts,
    mapping: store.idMapping,
    outbox: store.outbox,
    renderer: platform.renderer,
    names,
    room: blogRoom,
    publicUrl,
    logger,
    maxImages: config.images.maxPerMessage,
    onQueued: () => matrix.kickOutbox(),
  });
  const inbound = new BridgeEventHandler({
    chat: platform.services.chat,
    reactions: platform.services.reactions,
    rooms: store.rooms,
    messages: store.messages,
    mapping: store.idMapping,
    names,
    ghosts,
    botUserId,
    isOwnUser: (userId) => matrix.appservice.isNamespacedUser(userId),
    mediaUrl: mediaUrlUnder(publicUrl),
    encryptedMedia: { store: store.encryptedMedia, url: (id) => `${publicUrl}/api/v1/media/encrypted/${id}` },
    // Read by the bot (in every group portal); in a DM without it, by the ghost itself (the state at its departure).
    ghostMembership: async (roomId, ghostUserId) => {
      for (const client of [matrix.appservice.botClient, matrix.appservice.getIntentForUserId(ghostUserId).underlyingClient]) {
        try {
          const content = await client.getRoomStateEvent(roomId, "m.room.member", ghostUserId);
          if (typeof content?.membership === "string") return content.membership;
        } catch (error) {
          if (isTransientError(error)) throw error;
        }
      }
      return undefined;
    },
    onRefused: (reason) => matrix.countDeliveryFailure("to_platform", reason),
    logger,
  });
  // Blog rooms' events. Their `m.room.member` events need no `onMember`: blog rooms keep no platform
  // membership, and the router already notes Matrix users' profiles from every room (`onMemberProfile`).
  const blogInbound = new BlogEventHandler({
    blogs: platform.services.blogs,
    comments: platform.services.comments,
    reactions: platform.services.reactions,
    commentRecords: store.comments,
    mapping: store.idMapping,
    ghosts,
    botUserId,
    isOwnUser: (userId) => matrix.appservice.isNamespacedUser(userId),
    mediaUrl: mediaUrlUnder(publicUrl),
    onRefused: (reason) => matrix.countDeliveryFailure("to_platform", reason),
    logger,
  });
  const commands = portalCommands({
    portalOf: (roomId) => inbound.portalOf(roomId),
    rooms: store.rooms,
    mapping: store.idMapping,
    outbox: store.outbox,
    roomState: (roomId) => matrix.appservice.botClient.getRoomState(roomId) as Promise<MatrixStateEvent[]>,
    names,
    ghosts,
    portal,
    kickOutbox: () => matrix.kickOutbox(),
  });
  for (const command of commands) matrix.commands.register(command);
  const blogUrls = blogWebUrls(publicUrl);
  const blogCommandSet = blogCommands({
    blogs: platform.services.blogs,
    blogAlias: (owner) => names.blogAlias(owner),
    blogUrl: blogUrls.blog,
    postUrl: blogUrls.post,
    displayName: async (userId) => {
      try {
        const profile = (await matrix.appservice.botClient.getUserProfile(userId)) as { displayname?: unknown };
        return typeof profile.displayname === "string" ? profile.displayname : undefined;
      } catch (error) {
        if (isTransientError(error)) throw error;
        return undefined;
      }
    },
    ghosts,
  });
  for (const command of blogCommandSet) matrix.commands.register(command);
  const queries = new BridgeQueries({
    appservice: matrix.appservice,
    accounts: store.accounts,
    rooms: store.rooms,
    mapping: store.idMapping,
    outbox: store.outbox,
    names,
    ghosts,
    portal,
    blogs: platform.services.blogs,
    blogRoom,
    logger,
    kickOutbox: () => matrix.kickOutbox(),
    aliasWaitMs: config.bridge.aliasQueryWaitSeconds * 1000,
  });
  platform.journal.add(relayCounter.wrap(relay));
  platform.journal.add(blogRelay);
  const onPermanentFailure = markUndelivered({
    chat: platform.services.chat,
    logger,
    counted: (reason) => matrix.countDeliveryFailure("to_matrix", reason),
  });
  matrix.attachBridge({
    portal: bridgedRoomRoute(store.idMapping, {
      room: countInbound(inbound, store.idMapping, metrics),
      blog: countInbound(blogInbound, store.idMapping, metrics),
    }),
    queries,
    onPermanentFailure,
  });

  // Matrix members' read receipts in portals move their read markers (best effort, as pushed).
  const readReceipts = new ReadReceiptImporter({
    chat: platform.services.chat,
    mapping: store.idMapping,
    isOwnUser: (userId) => matrix.appservice.isNamespacedUser(userId),
    logger,
  });
  const unobserveReceipts = matrix.observeEphemeral((event) => readReceipts.observe(event));

  const encryptedMedia = new EncryptedMediaAccess({ store: store.encryptedMedia, mapping: store.idMapping, chat: platform.services.chat, source: matrix.media });

  return {
    names,
    relay,
    blogRelay,
    inbound,
    encryptedMedia,
    async start() {
      const pruned = await store.outbox.pruneReceipts(Date.now() - RECEIPT_RETENTION_MS, 10_000);
      if (pruned > 0) logger.debug({ pruned, consumer: RELAY_CONSUMER }, "pruned old relay receipts");
    },
    async stop() {
      unobserveReceipts();
      await readReceipts.idle();
    },
  };
}
