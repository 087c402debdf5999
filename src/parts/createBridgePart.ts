import type { MirageConfig } from "../config/configSchema.js";
import type { Logger } from "../log/createLogger.js";
import { BridgeEventHandler } from "../bridge/BridgeEventHandler.js";
import { BridgeNames } from "../bridge/bridgeNames.js";
import { BridgeQueries } from "../bridge/BridgeQueries.js";
import { BridgeRelay, RELAY_CONSUMER } from "../bridge/BridgeRelay.js";
import { markUndelivered } from "../bridge/markUndelivered.js";
import type { PortalSettings } from "../bridge/portalCreation.js";
import { mediaUrlUnder } from "../platform/render/createMarkdownRenderer.js";
import { GHOST_PREFIX, ghostAccounts } from "../matrix/registration.js";
import type { Store } from "../store/openStore.js";
import type { MatrixPart } from "./createMatrixPart.js";
import type { Part } from "./Part.js";
import type { PlatformPart } from "./createPlatformPart.js";

/** Outbox receipts of the relay are kept this long: far longer than any crash-and-restart. */
const RECEIPT_RETENTION_MS = 7 * 24 * 3600 * 1000;

export interface BridgePart extends Part {
  names: BridgeNames;
  relay: BridgeRelay;
  inbound: BridgeEventHandler;
}

/**
 * The bridge: reads the platform's journal into the outbox (platform → Matrix), handles portal
 * rooms' events (Matrix → platform), and answers the homeserver's user and alias queries.
 * Registered with the platform and Matrix parts while they are built; they start it.
 */
export function createBridgePart(options: { config: MirageConfig; store: Store; platform: PlatformPart; matrix: MatrixPart; logger: Logger }): BridgePart {
  const { config, store, platform, matrix, logger } = options;
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
    onRefused: (reason) => matrix.countDeliveryFailure("to_platform", reason),
    logger,
  });
  const queries = new BridgeQueries({
    appservice: matrix.appservice,
    accounts: store.accounts,
    rooms: store.rooms,
    mapping: store.idMapping,
    outbox: store.outbox,
    names,
    ghosts,
    portal,
    logger,
    kickOutbox: () => matrix.kickOutbox(),
    aliasWaitMs: config.bridge.aliasQueryWaitSeconds * 1000,
  });
  platform.journal.add(relay);
  const onPermanentFailure = markUndelivered({
    chat: platform.services.chat,
    logger,
    counted: (reason) => matrix.countDeliveryFailure("to_matrix", reason),
  });
  matrix.attachBridge({ portal: { portalOf: (roomId) => inbound.portalOf(roomId), handler: inbound }, queries, onPermanentFailure });

  return {
    names,
    relay,
    inbound,
    async start() {
      const pruned = await store.outbox.pruneReceipts(Date.now() - RECEIPT_RETENTION_MS, 10_000);
      if (pruned > 0) logger.debug({ pruned, consumer: RELAY_CONSUMER }, "pruned old relay receipts");
    },
    async stop() {},
  };
}
