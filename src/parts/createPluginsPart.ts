import type { MirageConfig } from "../config/configSchema.js";
import { pluginAdminCommands } from "../plugins/pluginAdminCommands.js";
import { pluginNoticePublisher } from "../plugins/pluginNoticePublisher.js";
import type { Logger } from "../log/createLogger.js";
import { pluginAuthenticate } from "../api/pluginRoutes.js";
import { errorResponses } from "../api/schemas/common.js";
import { GHOST_PREFIX } from "../matrix/registration.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import { people } from "../platform/people/people.js";
import { PluginHost, type PluginStatus } from "../plugins/PluginHost.js";
import type { PluginRoutes } from "../plugins/PluginRuntime.js";
import { pluginMatrixActions, type MatrixStateReader } from "../plugins/pluginMatrixActions.js";
import { botRoomEventReader, RoomCreators } from "../matrix/RoomCreators.js";
import type { PluginWeb } from "../plugins/pluginApi.js";
import type { Store } from "../store/openStore.js";
import type { MatrixPart } from "./createMatrixPart.js";
import type { Part } from "./Part.js";
import type { PlatformPart } from "./createPlatformPart.js";

export interface PluginsPart extends Part {
  /** The started plugins' routes: the API part, built next, mounts them before it listens. */
  routes: PluginRoutes[];
  status(): Record<string, PluginStatus>;
  host: PluginHost;
}

/**
 * The plugin host. Built after the bridge and before the API: building it loads the plugins and
 * runs their `start` (registering commands, and hooks before the journal starts), so their
 * routes exist when the API is built; `start()` runs their schedulers, `stop()` (after the API
 * closed) removes everything they registered.
 */
export async function createPluginsPart(options: {
  config: MirageConfig;
  store: Store;
  platform: PlatformPart;
  matrix: Pick<MatrixPart, "appservice" | "commands" | "kickOutbox" | "observeEvents" | "observeEphemeral">;
  logger: Logger;
  /** Bounds of a plugin's start and stop (tests pass small ones). */
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
}): Promise<PluginsPart> {
  const { config, store, platform, matrix, logger } = options;
  const domain = config.homeserver.domain;
  const creators = new RoomCreators(botRoomEventReader(matrix.appservice.botClient));
  const reader: MatrixStateReader = {
    creators: (roomId) => creators.of(roomId),
    async getState(roomId, eventType, stateKey) {
      try {
        const content = (await matrix.appservice.botClient.getRoomStateEvent(roomId, eventType, stateKey)) as Record<string, unknown> | undefined;
        return content && Object.keys(content).length > 0 ? content : undefined;
      } catch (error) {
        const e = error as { statusCode?: number; errcode?: string };
        if (e.statusCode === 404 || e.errcode === "M_NOT_FOUND") return undefined;
        throw error;
      }
    },
  };
  const web: PluginWeb = {
    authenticate: pluginAuthenticate(platform.accounts),
    errors: (...statuses) => errorResponses(...statuses),
    personOf(request) {
      if (!request.auth) throw new MirageError(ErrorCodes.unauthenticated, "sign in first");
      return people.account(request.auth.account.name);
    },
  };
  const host = new PluginHost({
    entries: config.plugins,
    storages: store.plugins,
    journal: platform.journal,
    registerCommand: (command) => matrix.commands.register(command),
    observeMatrixEvents: (listener) =>
      matrix.observeEvents((event, fromOwnUser) =>
        listener({
          type: event.type,
          roomId: event.roomId,
          sender: event.sender,
          eventId: event.eventId,
          ...(event.stateKey !== undefined ? { stateKey: event.stateKey } : {}),
          content: event.content,
          originServerTs: event.originServerTs,
          ...(event.redacts !== undefined ? { redacts: event.redacts } : {}),
          fromMirage: fromOwnUser,
        }),
      ),
    observeEphemeral: (listener) =>
      matrix.observeEphemeral((event) => {
        const { type, room_id: roomId, content } = event;
        if (typeof type !== "string" || typeof roomId !== "string" || typeof content !== "object" || content === null || Array.isArray(content)) return;
        listener({ type, roomId, content: content as Record<string, unknown> });
      }),
    matrix: pluginMatrixActions({
      outbox: store.outbox,
      mapping: store.idMapping,
      reader,
      botUserId: matrix.appservice.botUserId,
      ghostUserId: (account) => `@${GHOST_PREFIX}${account}:${domain}`,
      kickOutbox: () => matrix.kickOutbox(),
    }),
    platform: platform.services,
    web,
    publicUrl: config.api.publicUrl.replace(/\/+$/, ""),
    homeserverDomain: domain,
    notifyRoom: pluginNoticePublisher({ mapping: store.idMapping, chat: platform.services.chat, hub: platform.hub }),
    logger,
    ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
    ...(options.stopTimeoutMs !== undefined ? { stopTimeoutMs: options.stopTimeoutMs } : {}),
  });
  await host.load();
  for (const command of pluginAdminCommands({ status: () => host.status(), storages: store.plugins })) matrix.commands.register(command);
  return {
    routes: host.routes(),
    status: () => host.status(),
    host,
    async start() {
      host.start();
    },
    async stop() {
      await host.stop();
    },
  };
}
