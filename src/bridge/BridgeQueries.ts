import type { Appservice } from "@vector-im/matrix-bot-sdk";
import type { Logger } from "../log/createLogger.js";
import type { AppserviceQueries } from "../matrix/buildAppserviceServer.js";
import type { AccountRepository } from "../platform/accounts/Account.js";
import type { RoomRepository } from "../platform/chat/Room.js";
import type { MatrixUserId } from "../platform/ids.js";
import type { GhostAccounts } from "../platform/ports/GhostAccounts.js";
import type { IdMapping } from "../platform/ports/IdMapping.js";
import type { Outbox } from "../platform/ports/Outbox.js";
import type { BridgeNames } from "./bridgeNames.js";
import { ghostProfile } from "./ghostProfile.js";
import { portalCreation, type PortalSettings } from "./portalCreation.js";

export interface BridgeQueriesDeps {
  appservice: Appservice;
  accounts: AccountRepository;
  rooms: RoomRepository;
  mapping: IdMapping;
  outbox: Outbox;
  names: BridgeNames;
  ghosts: GhostAccounts;
  portal: PortalSettings;
  logger: Logger;
  /** Makes the outbox send what was just queued. */
  kickOutbox(): void;
  /** How long an alias query waits for the portal's creation. */
  aliasWaitMs: number;
  /** Alias queries waiting at once; more are answered "no such alias" (the homeserver asks again on the next lookup). */
  maxWaiting?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The homeserver's questions about Mirage's namespaces. A ghost exists for every Mirage
 * account: asked about it, Mirage registers it and queues its profile. A portal alias exists for
 * every public Mirage room: asked about it, Mirage creates the portal through the outbox (the
 * same creation the relay queues, found again by its alias if both run) and answers once the room
 * exists; a public portal whose alias was deleted gets it back. Invite-only rooms are not
 * created on a stranger's lookup: their portals come from the platform side.
 */
export class BridgeQueries implements AppserviceQueries {
  private readonly log: Logger;
  private waiting = 0;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: BridgeQueriesDeps) {
    this.log = deps.logger.child({ component: "bridge-queries" });
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async user(userId: string): Promise<boolean> {
    const name = this.deps.ghosts(userId as MatrixUserId);
    const account = name === undefined ? undefined : await this.deps.accounts.get(name);
    if (!account) return false;
    await this.deps.appservice.getIntentForUserId(userId).ensureRegistered();
    const profile = ghostProfile(userId, account);
    if (profile) {
      await this.deps.outbox.enqueue([profile], Date.now());
      this.deps.kickOutbox();
    }
    this.log.info({ account: account.name }, "ghost provisioned on query");
    return true;
  }

  async alias(alias: string): Promise<boolean> {
    const roomId = this.deps.names.roomOfAlias(alias);
    const room = roomId === undefined ? undefined : await this.deps.rooms.get(roomId);
    if (!room || room.kind !== "group" || room.joinRule !== "public") return false;
    const ref = { kind: "room" as const, id: room.id };
    const portal = await this.deps.mapping.toMatrix(ref);
    if (portal) return this.restoreAlias(alias, portal.roomId);
    if (this.waiting >= (this.deps.maxWaiting ?? 32)) return false;
    this.waiting++;
    try {
      await this.deps.outbox.enqueue(portalCreation(room, await this.deps.rooms.members(room.id), this.deps.names, this.deps.portal), Date.now());
      this.deps.kickOutbox();
      this.log.info({ roomId: room.id }, "creating portal on alias query");
      for (const deadline = Date.now() + this.deps.aliasWaitMs; Date.now() < deadline; ) {
        if (await this.deps.mapping.toMatrix(ref)) return true;
        await this.sleep(100);
      }
      return false;
    } finally {
      this.waiting--;
    }
  }

  /** The portal exists but its alias was removed (the homeserver only asks about aliases it does not know): put it back. */
  private async restoreAlias(alias: string, roomId: string): Promise<boolean> {
    try {
      await this.deps.appservice.botClient.createRoomAlias(alias, roomId);
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      // 409: someone else restored it meanwhile.
      if (status !== 409) {
        this.log.warn({ roomId, status }, "could not restore a portal's alias");
        return false;
      }
    }
    this.log.info({ roomId }, "restored a portal's alias");
    return true;
  }
}
