import type { Appservice } from "@vector-im/matrix-bot-sdk";
import type { Logger } from "../log/createLogger.js";
import type { AppserviceQueries } from "../matrix/buildAppserviceServer.js";
import type { AccountRepository } from "../platform/accounts/Account.js";
import type { BlogView } from "../platform/blogs/Blog.js";
import { ErrorCodes, isMirageError } from "../platform/errors/MirageError.js";
import type { RoomRepository } from "../platform/chat/Room.js";
import type { MatrixUserId } from "../platform/ids.js";
import type { GhostAccounts } from "../platform/ports/GhostAccounts.js";
import type { PersonId } from "../platform/people/Person.js";
import { people } from "../platform/people/people.js";
import type { IdMapping, PlatformRef } from "../platform/ports/IdMapping.js";
import type { Outbox, OutboxEntryInput } from "../platform/ports/Outbox.js";
import { blogRoomCreation, blogRoomReceipt, type BlogRoomSettings } from "./blogRoomCreation.js";
import type { BridgeNames } from "./bridgeNames.js";
import { ghostProfile } from "./ghostProfile.js";
import { GhostProvisioner } from "./GhostProvisioner.js";
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
  /** Blogs, for blog aliases: a blog as readers see it, NOT_FOUND when the owner has none. Without it, blog aliases do not exist. */
  blogs?: { getBlog(owner: string): Promise<BlogView> };
  /** How blog rooms are created (defaults: the portal's bot). */
  blogRoom?: BlogRoomSettings;
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
 * created on a stranger's lookup: their portals come from the platform side. A blog alias exists
 * for every blog (a ghost's spelling of the owner meaning its account): asked about it, Mirage
 * creates the blog's room the same way (the relay's creation, found by its alias if both run).
 */
export class BridgeQueries implements AppserviceQueries {
  private readonly log: Logger;
  private waiting = 0;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly provisioner: GhostProvisioner;

  constructor(private readonly deps: BridgeQueriesDeps) {
    this.log = deps.logger.child({ component: "bridge-queries" });
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.provisioner = new GhostProvisioner({ accounts: deps.accounts, outbox: deps.outbox, names: deps.names, now: Date.now });
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
    const owner = this.deps.names.blogOwnerOfAlias(alias);
    if (owner !== undefined) return this.blogAlias(alias, owner);
    const roomId = this.deps.names.roomOfAlias(alias);
    const room = roomId === undefined ? undefined : await this.deps.rooms.get(roomId);
    if (!room || room.kind !== "group" || room.joinRule !== "public") return false;
    const ref = { kind: "room" as const, id: room.id };
    const portal = await this.deps.mapping.toMatrix(ref);
    if (portal) return this.restoreAlias(alias, portal.roomId);
    const created = await this.create(ref, async () => {
      // Logged before waiting: an operator sees the creation was asked for even when the homeserver is slow to carry it out.
      this.log.info({ roomId: room.id }, "creating portal on alias query");
      return { ops: portalCreation(room, await this.deps.rooms.members(room.id), this.deps.names, this.deps.portal) };
    });
    return created !== undefined;
  }

  /**
   * A blog's alias: its room once it exists (created now if need be). An alias naming a ghost
   * (the owner's account spelled as its Matrix ID) is added to the account's blog room.
   */
  private async blogAlias(alias: string, spelled: PersonId): Promise<boolean> {
    if (!this.deps.blogs) return false;
    const owner = people.id(people.canonical(people.fromId(spelled), this.deps.ghosts));
    const blog = await this.blogOf(owner);
    if (!blog) return false;
    const ref = { kind: "blog" as const, id: owner };
    const canonical = alias === this.deps.names.blogAlias(owner);
    const existing = await this.deps.mapping.toMatrix(ref);
    if (existing) return this.restoreAlias(alias, existing.roomId);
    const settings = this.deps.blogRoom ?? { botUserId: this.deps.portal.botUserId };
    const roomId = await this.create(ref, async () => {
      this.log.info({ owner }, "creating blog room on alias query");
      const ops = blogRoomCreation({ owner, title: blog.title, description: blog.description }, this.deps.names, settings);
      // The owner's ghost creates an account's blog room: its profile first.
      await this.provisioner.before(ops);
      return { ops, receipt: blogRoomReceipt(owner) };
    });
    if (roomId === undefined) return false;
    return canonical || this.restoreAlias(alias, roomId);
  }

  private async blogOf(owner: string): Promise<BlogView | undefined> {
    try {
      return await this.deps.blogs!.getBlog(owner);
    } catch (error) {
      if (isMirageError(error) && error.code === ErrorCodes.notFound) return undefined;
      throw error;
    }
  }

  /**
   * Queues a room's creation and waits (at most `aliasWaitMs`) until the outbox has carried it out;
   * resolves its Matrix room ID, or undefined when it is not there in time or too many wait already.
   */
  private async create(ref: PlatformRef, creation: () => Promise<{ ops: OutboxEntryInput[]; receipt?: string }>): Promise<string | undefined> {
    if (this.waiting >= (this.deps.maxWaiting ?? 32)) return undefined;
    this.waiting++;
    try {
      const { ops, receipt } = await creation();
      await this.deps.outbox.enqueue(ops, Date.now(), receipt);
      this.deps.kickOutbox();
      for (const deadline = Date.now() + this.deps.aliasWaitMs; Date.now() < deadline; ) {
        const room = await this.deps.mapping.toMatrix(ref);
        if (room) return room.roomId;
        await this.sleep(100);
      }
      return undefined;
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
