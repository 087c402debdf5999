import type { Logger } from "../log/createLogger.js";
import type { AccountRepository } from "../platform/accounts/Account.js";
import type { MessageRepository, Message, RoomRepository } from "../platform/chat/Room.js";
import type { DomainEvent } from "../platform/events/DomainEvent.js";
import { roomRules } from "../platform/chat/roomRules.js";
import { asAccountName, asMessageId, asReactionTargetId, asRoomId, type AccountName, type MessageId, type RoomId } from "../platform/ids.js";
import type { JournalHandler } from "../platform/journal/JournalConsumer.js";
import type { OutboxRelation } from "../platform/outbox/outboxOperationSchema.js";
import { people } from "../platform/people/people.js";
import type { IdMapping } from "../platform/ports/IdMapping.js";
import type { JournalEntry } from "../platform/ports/Journal.js";
import type { MarkdownRenderer } from "../platform/ports/MarkdownRenderer.js";
import type { Outbox, OutboxEntryInput } from "../platform/ports/Outbox.js";
import { reactionRefId } from "../platform/reactions/reactionRefId.js";
import type { BridgeNames } from "./bridgeNames.js";
import { findMentions } from "./convert/findMentions.js";
import { imageRedactions } from "./convert/imageRefs.js";
import { allEditEventRefs, editEventRef } from "../platform/chat/editEventRef.js";
import { imageSends } from "./convert/imageSends.js";
import { mentionTargets } from "./convert/mentionTargets.js";
import { messageToMatrix } from "./convert/messageToMatrix.js";
import { ghostProfile } from "./ghostProfile.js";
import { GhostProvisioner } from "./GhostProvisioner.js";
import { pillifyMentions } from "./convert/pillifyMentions.js";
import { ROOM_MENTION } from "./convert/scanMentions.js";
import { portalCreation, type PortalSettings } from "./portalCreation.js";

export interface BridgeRelayDeps {
  rooms: RoomRepository;
  messages: MessageRepository;
  accounts: AccountRepository;
  mapping: IdMapping;
  outbox: Outbox;
  renderer: MarkdownRenderer;
  names: BridgeNames;
  portal: PortalSettings;
  logger: Logger;
  /** Told after operations were queued, so the outbox sends them. */
  onQueued(): void;
  /** Images by URL sent as `m.image` after a new message's text, and redacted with it (default 0: none). */
  maxImagesPerMessage?: number;
  now?: () => number;
}

/** How far back (in thread replies) the relay looks for a thread's latest live message, and per store read. */
const THREAD_SCAN_LIMIT = 1000;
const THREAD_SCAN_PAGE = 50;

/** Name of the relay's journal cursor and of its outbox receipts. */
export const RELAY_CONSUMER = "bridge";

/**
 * Platform → Matrix: reads the domain journal and queues, for each change made on the platform,
 * the outbox operations that make Matrix show it — the portal first when the room has none yet.
 * Changes imported from Matrix (with an origin) are never sent back. The operations of one entry
 * are queued with a receipt in one batch, so an entry handled again after a crash queues nothing.
 * Operations address the platform room (resolved when sent, after the portal exists) and name
 * relation targets by platform reference (resolved from the ID mapping when sent).
 */
export class BridgeRelay implements JournalHandler {
  readonly name = RELAY_CONSUMER;
  private readonly log: Logger;
  private readonly now: () => number;
  /** Portals asked for in this run; a restart may ask again, which creation tolerates. */
  private readonly portalsRequested = new Set<string>();
  private readonly ghosts: GhostProvisioner;

  constructor(private readonly deps: BridgeRelayDeps) {
    this.log = deps.logger.child({ component: "bridge-relay" });
    this.now = deps.now ?? Date.now;
    this.ghosts = new GhostProvisioner({ accounts: deps.accounts, outbox: deps.outbox, names: deps.names, now: this.now });
  }

  async handle(entry: JournalEntry): Promise<void> {
    // A deletion from Matrix redacted the message there, not its edits: those follow.
    if (entry.origin && entry.event.type !== "message.deleted") return;
    const receipt = `${RELAY_CONSUMER}:${entry.position}`;
    if (await this.deps.outbox.hasReceipt(receipt)) return;
    const ops = entry.origin ? await this.editRedactionsAfterMatrixDeletion(entry.event as Extract<DomainEvent, { type: "message.deleted" }>) : await this.operationsFor(entry.event);
    // Nothing to queue, nothing to repeat: no receipt either.
    if (ops.length === 0) return;
    await this.ghosts.before(ops);
    await this.deps.outbox.enqueue(ops, this.now(), receipt);
    this.deps.onQueued();
  }

  /** The operations that show `event` in Matrix (none for what is not bridged). */
  async operationsFor(event: DomainEvent): Promise<OutboxEntryInput[]> {
    switch (event.type) {
      case "room.created":
        return this.portalOps(asRoomId(event.roomId));
      case "member.changed":
        return this.withPortal(asRoomId(event.roomId), () => this.memberOps(event));
      case "message.created":
      case "message.edited":
        return this.withPortal(asRoomId(event.roomId), () => this.messageOps(event));
      case "message.deleted":
        return this.withPortal(asRoomId(event.roomId), () => this.deletionOps(event));
      case "message.expired": {
        // The links went with the message: its events (and its reactions') are named by event ID.
        if (event.matrixEventIds.length === 0) return [];
        const sender = await this.moderatorOf(asRoomId(event.roomId));
        return event.matrixEventIds.map((eventId) => ({ op: "redact" as const, sender, room: roomRef(event.roomId), target: { eventId }, reason: EXPIRED_REASON }));
      }
      case "reaction.added":
      case "reaction.removed":
        return event.target.kind === "message" && event.target.roomId !== undefined
          ? this.withPortal(asRoomId(event.target.roomId), async () => this.reactionOps(event))
          : [];
      case "profile.changed":
        return this.profileOps(event);
      case "room.read":
        // An account's marker is its ghost's public read receipt (coalesced in the outbox: only the newest goes out).
        if (people.isMatrixId(event.member)) return [];
        return this.withPortal(asRoomId(event.roomId), async () => [
          { op: "receipt", sender: this.deps.names.ghost(event.member), room: roomRef(event.roomId), target: { kind: "message", id: event.messageId } },
        ]);
      default:
        return [];
    }
  }

  /** A changed display name or avatar, to the account's ghost. */
  private async profileOps(event: Extract<DomainEvent, { type: "profile.changed" }>): Promise<OutboxEntryInput[]> {
    const change = { displayName: event.fields.includes("displayName"), avatar: event.fields.includes("avatarUrl") };
    if (!change.displayName && !change.avatar) return [];
    const account = await this.deps.accounts.get(event.name as AccountName);
    const op = account && ghostProfile(this.deps.names.ghost(account.name), account, change);
    return op ? [op] : [];
  }

  /**
   * `ops`, after the portal's creation when the room has none yet. Operations queued behind a
   * creation still in flight wait for it: the outbox keeps each room's order.
   */
  private async withPortal(roomId: RoomId, ops: () => Promise<OutboxEntryInput[]>): Promise<OutboxEntryInput[]> {
    return [...(await this.portalOps(roomId)), ...(await ops())];
  }

  /** Creation operations for a room without a portal, once per run (asking again after a restart is harmless). */
  private async portalOps(roomId: RoomId): Promise<OutboxEntryInput[]> {
    if (this.portalsRequested.has(roomId)) return [];
    if (await this.deps.mapping.toMatrix({ kind: "room", id: roomId })) return [];
    const room = await this.deps.rooms.get(roomId);
    if (!room) return [];
    const members = await this.deps.rooms.members(roomId);
    this.portalsRequested.add(roomId);
    this.log.info({ roomId }, "creating portal");
    return portalCreation(room, members, this.deps.names, this.deps.portal);
  }

  /**
   * A platform membership change as the Matrix one: an account's own join or leave moves its ghost
   * (a joining ghost is first invited, see `inviterFor`, unless the portal is public); an invite comes
   * from the inviter's ghost (the bot for a Matrix inviter); someone else's removal is a kick, and a
   * ban a ban, by the remover's ghost (the bot for a Matrix remover), with its reason. A Matrix
   * user's own join or leave happens in Matrix only.
   */
  private async memberOps(event: Extract<DomainEvent, { type: "member.changed" }>): Promise<OutboxEntryInput[]> {
    const room = roomRef(event.roomId);
    const target = this.deps.names.matrixUser(event.member);
    const actor = people.isMatrixId(event.by) ? this.deps.portal.botUserId : this.deps.names.ghost(event.by);
    const isAccount = !people.isMatrixId(event.member);
    switch (event.membership) {
      case "join": {
        if (!isAccount) return [];
        const inviter = await this.inviterFor(event.roomId, event.member);
        const join: OutboxEntryInput = { op: "membership", action: "join", sender: target, room };
        return inviter === undefined ? [join] : [{ op: "membership", action: "invite", sender: inviter, room, userId: target }, join];
      }
      case "invite":
        return [{ op: "membership", action: "invite", sender: actor, room, userId: target }];
      case "leave":
        if (event.by === event.member) return isAccount ? [{ op: "membership", action: "leave", sender: target, room }] : [];
        // Someone else's removal, or a ban lifted (the event does not say which): an unban of someone
        // not banned, and a kick of someone already out, are done already.
        return [
          { op: "membership", action: "unban", sender: actor, room, userId: target },
          { op: "membership", action: "kick", sender: actor, room, userId: target, ...reasonOf(event) },
        ];
      case "ban":
        return [{ op: "membership", action: "ban", sender: actor, room, userId: target, ...reasonOf(event) }];
      default:
        return [];
    }
  }

  /**
   * Who invites a joining ghost: nobody in a public group portal (it joins by itself), the bot in
   * an invite-only one, in a DM (the bot is not in it) the other member's ghost.
   */
  private async inviterFor(roomId: string, joining: string): Promise<string | undefined> {
    const room = await this.deps.rooms.get(asRoomId(roomId));
    if (room?.kind === "group" && room.joinRule === "public") return undefined;
    if (room?.kind !== "dm") return this.deps.portal.botUserId;
    const members = await this.deps.rooms.members(room.id);
    const other = members.find((m) => m.member !== joining && m.membership === "join" && !people.isMatrixId(m.member));
    return other ? this.deps.names.ghost(other.member) : this.deps.portal.botUserId;
  }

  private async messageOps(event: Extract<DomainEvent, { type: "message.created" | "message.edited" }>): Promise<OutboxEntryInput[]> {
    const message = await this.deps.messages.get(asMessageId(event.messageId));
    if (!message || message.deleted || people.isMatrixId(message.sender)) return [];
    const sender = this.deps.names.ghost(message.sender);
    const content = await this.matrixContent(message);
    const ref = { kind: "message" as const, id: message.id };
    if (event.type === "message.edited") {
      // Linked as this edit, so the message's deletion or expiry redacts it too.
      const edit = event.edit === undefined ? {} : { ref: editEventRef(message.id, event.edit) };
      return [{ op: "send", sender, room: roomRef(message.roomId), eventType: "m.room.message", content, ...edit, relation: { type: "edit", target: ref } }];
    }
    const relation = await this.relationOf(message);
    const text: OutboxEntryInput = { op: "send", sender, room: roomRef(message.roomId), eventType: "m.room.message", content, ref, ...(relation ? { relation } : {}) };
    // The images follow the text: in its thread (after it), or replying where it replies.
    const imageRelation: OutboxRelation | undefined = relation?.type === "thread" ? { type: "thread", root: relation.root, latest: ref } : relation;
    const images = imageSends(message.body, { sender, room: roomRef(message.roomId), owner: ref, ...(imageRelation ? { relation: imageRelation } : {}) }, this.deps.maxImagesPerMessage ?? 0);
    return [text, ...images];
  }

  /**
   * The message's Matrix content with its mentions: each account or Matrix user it names (who
   * exists) becomes a pill in `formatted_body` and an entry of `m.mentions`; `@room` counts only
   * from someone who moderates the room.
   */
  private async matrixContent(message: Message): Promise<Record<string, unknown>> {
    const handles = findMentions(message.body);
    const userIds = new Map<string, string>();
    for (const handle of handles) {
      if (handle === ROOM_MENTION) continue;
      if (people.isMatrixId(handle)) userIds.set(handle, handle);
      else if (await this.deps.accounts.get(asAccountName(handle))) userIds.set(handle, this.deps.names.ghost(handle));
    }
    const room = handles.includes(ROOM_MENTION) ? await this.deps.rooms.get(message.roomId) : undefined;
    const targets = mentionTargets(handles, (handle) => userIds.get(handle), room !== undefined && roomRules.moderates(room, message.sender));
    const html = pillifyMentions(await this.deps.renderer.toMatrixHtml(message.body), targets.pills);
    return messageToMatrix(message, html, targets.userIds, { room: targets.room });
  }

  private reactionOps(event: Extract<DomainEvent, { type: "reaction.added" | "reaction.removed" }>): OutboxEntryInput[] {
    if (people.isMatrixId(event.by)) return [];
    const sender = this.deps.names.ghost(event.by);
    const room = roomRef(event.target.roomId!);
    const target = { kind: "message" as const, id: event.target.id };
    const ref = { kind: "reaction" as const, id: reactionRefId({ kind: "message", id: asReactionTargetId(event.target.id) }, event.by, event.key) };
    if (event.type === "reaction.added") {
      return [{ op: "send", sender, room, eventType: "m.reaction", content: {}, ref, relation: { type: "reaction", target, key: event.key } }];
    }
    return [{ op: "redact", sender, room, target: ref }];
  }

  /**
   * A thread message falls back to the thread's latest message before it (or replies in-thread
   * to its parent); a main-timeline reply quotes its parent.
   */
  private async relationOf(message: Message): Promise<OutboxRelation | undefined> {
    if (message.threadId !== undefined) {
      const root = { kind: "message" as const, id: message.threadId };
      if (message.parentId !== undefined && message.parentId !== message.threadId) {
        return { type: "thread", root, replyTo: { kind: "message", id: message.parentId } };
      }
      const latest = await this.latestInThread(message);
      return { type: "thread", root, ...(latest ? { latest: { kind: "message" as const, id: latest } } : {}) };
    }
    if (message.parentId !== undefined) return { type: "reply", to: { kind: "message", id: message.parentId } };
    return undefined;
  }

  /**
   * The thread's latest live reply before `message`, read from the thread's index at most
   * `THREAD_SCAN_LIMIT` replies back; undefined when there is none (the fallback names the root).
   */
  private async latestInThread(message: Message): Promise<MessageId | undefined> {
    let beforeSeq = message.seq;
    for (let scanned = 0; scanned < THREAD_SCAN_LIMIT; ) {
      const page = await this.deps.messages.threadPage(message.threadId!, { beforeSeq, limit: THREAD_SCAN_PAGE });
      const live = page.find((candidate) => !candidate.deleted);
      if (live) return live.id;
      if (page.length < THREAD_SCAN_PAGE) return undefined;
      scanned += page.length;
      beforeSeq = page[page.length - 1]!.seq;
    }
    return undefined;
  }

  /**
   * A deleted message's redaction, those of its edits, and those of the images sent after it (a
   * message from Matrix had none). By its sender's ghost, or the bot for a moderator's deletion (it has the power).
   */
  private async deletionOps(event: Extract<DomainEvent, { type: "message.deleted" }>): Promise<OutboxEntryInput[]> {
    const message = await this.deps.messages.get(asMessageId(event.messageId));
    const sender = message && message.sender === event.by && !people.isMatrixId(event.by) ? this.deps.names.ghost(event.by) : this.deps.portal.botUserId;
    const room = roomRef(event.roomId);
    const text: OutboxEntryInput = { op: "redact", sender, room, target: { kind: "message", id: event.messageId } };
    const edits = editRedactions(message, { sender, room });
    if (message && people.isMatrixId(message.sender)) return [text, ...edits];
    return [text, ...edits, ...imageRedactions({ kind: "message", id: event.messageId }, { sender, room }, this.deps.maxImagesPerMessage ?? 0)];
  }

  /**
   * After a message was deleted in Matrix (its own event redacted there), the redactions of its
   * edits: by the sender's ghost for an account's message, else by who may redact anyone's events.
   */
  private async editRedactionsAfterMatrixDeletion(event: Extract<DomainEvent, { type: "message.deleted" }>): Promise<OutboxEntryInput[]> {
    const message = await this.deps.messages.get(asMessageId(event.messageId));
    if (!message?.edits) return [];
    const sender = people.isMatrixId(message.sender) ? await this.moderatorOf(message.roomId) : this.deps.names.ghost(message.sender);
    return editRedactions(message, { sender, room: roomRef(event.roomId) });
  }

  /**
   * Who may redact anyone's events in the room's portal: the bot in a group portal; in a DM (the bot
   * is not in it) the ghost of the account that opened it, which created the portal, else of its other account.
   */
  private async moderatorOf(roomId: RoomId): Promise<string> {
    const room = await this.deps.rooms.get(roomId);
    if (room?.kind !== "dm") return this.deps.portal.botUserId;
    if (!people.isMatrixId(room.createdBy)) return this.deps.names.ghost(room.createdBy);
    const members = await this.deps.rooms.members(roomId);
    const account = members.find((m) => !people.isMatrixId(m.member));
    return account ? this.deps.names.ghost(account.member) : this.deps.portal.botUserId;
  }
}

/** Redactions of every edit event of `message` (an edit that never reached Matrix is unlinked: its redaction does nothing). */
function editRedactions(message: Message | undefined, by: { sender: string; room: { kind: "room"; id: string } }): OutboxEntryInput[] {
  if (!message) return [];
  return allEditEventRefs(message.id, message.edits).map((target) => ({ op: "redact" as const, sender: by.sender, room: by.room, target }));
}

/** The reason an expired message's redaction carries (Element shows it). */
const EXPIRED_REASON = "disappearing message expired";

const roomRef = (id: string) => ({ kind: "room" as const, id });

/** A kick's or ban's reason, within what a membership operation carries. */
const reasonOf = (event: { reason?: string }) => (event.reason ? { reason: event.reason.slice(0, 1000) } : {});
