import { randomBytes } from "node:crypto";
import type { AccountRepository } from "../accounts/Account.js";
import { ErrorCodes, MirageError } from "../errors/MirageError.js";
import type { DomainEvent, DomainEventBus, PublishedEvent, WriteOptions } from "../events/DomainEvent.js";
import type { MarkdownRenderer } from "../ports/MarkdownRenderer.js";
import type { MessagePurge } from "../ports/MessagePurge.js";
import type { ReactionRepository } from "../reactions/Reaction.js";
import { reactionSummaries } from "../reactions/reactionSummaries.js";
import { asMessageId, asRoomId, type MessageId, type RoomId } from "../ids.js";
import type { Person, PersonId } from "../people/Person.js";
import { people } from "../people/people.js";
import type { GhostAccounts } from "../ports/GhostAccounts.js";
import type { Membership, Message, MembershipRecord, MessageKind, MessageRepository, MessageView, Room, RoomRepository } from "./Room.js";
import { threadPlacement } from "./threadPlacement.js";
import { mainTimelinePage, threadTimelinePage } from "./timelinePages.js";
import { withRef } from "../events/withRef.js";
import { editEventRef } from "./editEventRef.js";
import { roomRules } from "./roomRules.js";
import type { ReadMarkerRepository } from "./ReadMarker.js";
import { roomActivity, type RoomActivity } from "./roomActivity.js";

export const MESSAGE_MAX_LENGTH = 20_000;
/** Longest delivery-failure code and kick/ban reason kept. */
export const REASON_MAX_LENGTH = 200;

export interface ChatServiceDeps {
  rooms: RoomRepository;
  messages: MessageRepository;
  markers: ReadMarkerRepository;
  accounts: AccountRepository;
  reactions: Pick<ReactionRepository, "countsMany" | "keysByMany">;
  /** Deletes every copy of an expiring message. */
  purge: MessagePurge;
  renderer: MarkdownRenderer;
  events: DomainEventBus;
  /** Ghosts' Matrix IDs to their accounts: a ghost acting or invited is its account, never a second member. */
  ghosts?: GhostAccounts;
  now?: () => number;
}

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("base64url")}`;
const newRoomId = () => asRoomId(newId("r"));
const newMessageId = () => asMessageId(newId("m"));
const notFound = (what: string) => new MirageError(ErrorCodes.notFound, `${what} not found`);

/**
 * Rooms, DMs, memberships and messages; who may see, read and moderate what is decided by {@link roomRules}.
 * Every method takes the acting {@link Person} first: a web account or a Matrix user through the bridge,
 * under the same rules. A ghost's Matrix ID is canonicalized to its account first.
 */
export class ChatService {
  private readonly now: () => number;

  constructor(private readonly deps: ChatServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  async createRoom(actor: Person, input: { name: string; topic?: string; invite?: readonly string[]; joinRule?: Room["joinRule"] }): Promise<Room> {
    const creator = this.idOf(actor);
    const now = this.now();
    const joinRule = input.joinRule ?? "invite";
    if (joinRule !== "invite" && joinRule !== "public") throw new MirageError(ErrorCodes.invalidInput, "joinRule must be invite or public");
    const room: Room = { id: newRoomId(), kind: "group", name: input.name.trim(), topic: input.topic?.trim() ?? "", createdBy: creator, createdAt: now, joinRule };
    if (room.name === "") throw new MirageError(ErrorCodes.invalidInput, "room name must not be empty");
    const invited = await this.resolveAll(input.invite ?? [], creator);
    const memberships: MembershipRecord[] = [
      { roomId: room.id, member: creator, membership: "join", by: creator, at: now },
      ...invited.map((member) => ({ roomId: room.id, member, membership: "invite" as const, by: creator, at: now })),
    ];
    const events = [
      this.record({ type: "room.created", roomId: room.id, by: creator }, [creator, ...invited]),
      ...invited.map((member) => this.record({ type: "member.changed", roomId: room.id, member, membership: "invite", by: creator }, [creator, member])),
    ];
    await this.deps.rooms.create(room, memberships, undefined, events);
    this.deps.events.publish(events);
    return room;
  }

  /** The DM between the two, created on first use. Mirage accounts join at once; Matrix users are invited. */
  async openDm(actor: Person, handle: string): Promise<{ room: Room; created: boolean }> {
    const self = this.idOf(actor);
    const [other] = await this.resolveAll([handle], self);
    if (!other) throw new MirageError(ErrorCodes.invalidInput, "a DM needs someone other than yourself");
    const existing = await this.deps.rooms.findDm(self, other);
    const found = existing === undefined ? undefined : await this.deps.rooms.get(existing);
    if (found) {
      // One DM per pair, for good: whoever left it comes back (the other side as an invite), unless banned from it in Matrix.
      const [mine, theirs] = [await this.deps.rooms.membership(found.id, self), await this.deps.rooms.membership(found.id, other)];
      if (mine?.membership === "ban" || theirs?.membership === "ban") throw new MirageError(ErrorCodes.forbidden, "this DM was closed by a ban");
      if (mine?.membership !== "join") await this.changeMembership(found.id, self, "join", self);
      if (theirs?.membership === "leave") await this.changeMembership(found.id, other, "invite", self);
      return { room: found, created: false };
    }
    const now = this.now();
    const room: Room = { id: newRoomId(), kind: "dm", name: "", topic: "", createdBy: self, createdAt: now };
    const otherState = people.isMatrixId(other) ? "invite" : "join";
    const events = [this.record({ type: "room.created", roomId: room.id, by: self }, [self, other])];
    await this.deps.rooms.create(
      room,
      [
        { roomId: room.id, member: self, membership: "join", by: self, at: now },
        { roomId: room.id, member: other, membership: otherState, by: self, at: now },
      ],
      [self, other],
      events,
    );
    this.deps.events.publish(events);
    return { room, created: true };
  }

  async roomsOf(actor: Person): Promise<Array<{ room: Room; membership: MembershipRecord }>> {
    const out: Array<{ room: Room; membership: MembershipRecord }> = [];
    for (const membership of await this.deps.rooms.roomsOf(this.idOf(actor))) {
      const room = await this.deps.rooms.get(membership.roomId);
      if (room) out.push({ room, membership });
    }
    return out;
  }

  /** A room its joined or invited members may see, with its members. */
  async getRoom(actor: Person, roomId: RoomId): Promise<{ room: Room; membership: MembershipRecord; members: MembershipRecord[] }> {
    const { room, membership } = await this.requireVisible(this.idOf(actor), roomId);
    const members = (await this.deps.rooms.members(roomId)).filter((m) => roomRules.maySeeRoom(m.membership));
    return { room, membership, members };
  }

  /**
   * Invites by handle. Naming yourself accepts your own pending invite. Only joined members
   * of group rooms invite; DMs stay two-person.
   */
  async invite(actor: Person, roomId: RoomId, handle: string, options: WriteOptions = {}): Promise<MembershipRecord> {
    const self = this.idOf(actor);
    const target = people.id(people.resolve(handle, this.deps.ghosts));
    const { room, membership } = await this.requireVisible(self, roomId);
    if (target === self) {
      if (membership.membership === "join") throw new MirageError(ErrorCodes.conflict, "you are already in this room");
      return this.changeMembership(roomId, self, "join", self, options);
    }
    if (membership.membership !== "join") throw new MirageError(ErrorCodes.forbidden, "join the room before inviting others");
    if (room.kind === "dm") throw new MirageError(ErrorCodes.invalidInput, "DMs are for two; create a room to talk with more people");
    const [member] = await this.resolveAll([handle], self);
    const current = await this.deps.rooms.membership(roomId, member!);
    if (current?.membership === "ban") throw new MirageError(ErrorCodes.forbidden, `${member} is banned from this room`);
    if (current && current.membership !== "leave") throw new MirageError(ErrorCodes.conflict, `${member} is already ${current.membership === "join" ? "in" : "invited to"} this room`);
    return this.changeMembership(roomId, member!, "invite", self, options);
  }

  async leave(actor: Person, roomId: RoomId, options: WriteOptions = {}): Promise<void> {
    const self = this.idOf(actor);
    await this.requireVisible(self, roomId);
    await this.changeMembership(roomId, self, "leave", self, options);
  }

  /**
   * Joins when invited or when the room is public (a Matrix user joining a portal comes through
   * here too); joining again changes nothing. FORBIDDEN when banned, or for an invite-only room the
   * actor was in before; NOT_FOUND for an invite-only room the actor never had a part in.
   */
  async join(actor: Person, roomId: RoomId, options: WriteOptions = {}): Promise<MembershipRecord> {
    const self = this.idOf(actor);
    const room = await this.deps.rooms.get(roomId);
    if (!room) throw notFound("room");
    const current = await this.deps.rooms.membership(roomId, self);
    if (current?.membership === "join") return current;
    if (roomRules.mayJoin(room, current?.membership)) return this.changeMembership(roomId, self, "join", self, options);
    if (current?.membership === "ban") throw new MirageError(ErrorCodes.forbidden, "you are banned from this room");
    if (current) throw new MirageError(ErrorCodes.forbidden, "this room is invite-only; ask a member to invite you");
    throw notFound("room");
  }

  /**
   * Reflects a departure decided in Matrix: `member` left, was kicked (`by` someone else) or banned
   * (`membership: "ban"`; a lifted ban arrives as `leave`). Matrix already applied its own power
   * rules, so the web-side moderation rules are not applied again. A departure that changes nothing
   * is not recorded; resolves the membership as it now stands.
   */
  async recordDeparture(
    member: Person,
    roomId: RoomId,
    departure: { by: Person; membership: "leave" | "ban"; reason?: string },
    options: WriteOptions = {},
  ): Promise<MembershipRecord | undefined> {
    const memberId = this.idOf(member);
    if (!(await this.deps.rooms.get(roomId))) throw notFound("room");
    const current = await this.deps.rooms.membership(roomId, memberId);
    if ((current?.membership ?? "leave") === departure.membership) return current;
    return this.changeMembership(roomId, memberId, departure.membership, this.idOf(departure.by), options, departure.reason);
  }

  /**
   * The room's moderator (see roomRules) removes a member: a kick for a joined or invited member, or
   * a ban, which also keeps them from rejoining or being invited until lifted (a ban of someone not
   * in the room is kept too). Banning the banned again changes nothing.
   */
  async removeMember(
    actor: Person,
    roomId: RoomId,
    handle: string,
    input: { ban?: boolean; reason?: string },
    options: WriteOptions = {},
  ): Promise<MembershipRecord> {
    const self = this.idOf(actor);
    const { room, membership } = await this.requireVisible(self, roomId);
    if (membership.membership !== "join" || !roomRules.moderates(room, self)) throw new MirageError(ErrorCodes.forbidden, "only a group room's creator removes members");
    const target = people.id(people.resolve(handle, this.deps.ghosts));
    if (target === self) throw new MirageError(ErrorCodes.invalidInput, "leave the room instead of removing yourself");
    const current = await this.deps.rooms.membership(roomId, target);
    if (input.ban) {
      if (current?.membership === "ban") return current;
      return this.changeMembership(roomId, target, "ban", self, options, input.reason);
    }
    if (!current || !roomRules.maySeeRoom(current.membership)) throw new MirageError(ErrorCodes.notFound, `${target} is not in this room`);
    return this.changeMembership(roomId, target, "leave", self, options, input.reason);
  }

  /** The room's moderator lifts a ban: the person may be invited again (or join a public room). NOT_FOUND when they are not banned. */
  async unban(actor: Person, roomId: RoomId, handle: string, options: WriteOptions = {}): Promise<MembershipRecord> {
    const self = this.idOf(actor);
    const { room, membership } = await this.requireVisible(self, roomId);
    if (membership.membership !== "join" || !roomRules.moderates(room, self)) throw new MirageError(ErrorCodes.forbidden, "only a group room's creator lifts bans");
    const target = people.id(people.resolve(handle, this.deps.ghosts));
    if ((await this.deps.rooms.membership(roomId, target))?.membership !== "ban") throw new MirageError(ErrorCodes.notFound, `${target} is not banned from this room`);
    return this.changeMembership(roomId, target, "leave", self, options);
  }

  async send(
    actor: Person,
    roomId: RoomId,
    input: { body: string; parentId?: MessageId; threadId?: MessageId; kind?: MessageKind },
    options: WriteOptions = {},
  ): Promise<MessageView> {
    const self = this.idOf(actor);
    await this.requireReader(self, roomId);
    checkBody(input.body);
    const kind = input.kind ?? "text";
    if (kind !== "text" && kind !== "notice" && kind !== "emote") throw new MirageError(ErrorCodes.invalidInput, "kind must be text, notice or emote");
    const placement = await threadPlacement(roomId, input, (id) => this.deps.messages.get(id));
    const id = newMessageId();
    const html = await this.deps.renderer.toWebHtml(input.body);
    const events = await this.toReaders({ type: "message.created", roomId, messageId: id, by: self }, withRef(options, { kind: "message", id }));
    const message = await this.deps.messages.append(
      {
        id,
        roomId,
        sender: self,
        body: input.body,
        html,
        ...placement,
        ...(kind !== "text" ? { kind } : {}),
        // The journal entry's time: what is timed from it (a disappearing message's due time) counts from the creation people see.
        createdAt: events[0]!.at,
        deleted: false,
      },
      events,
    );
    this.deps.events.publish(events);
    return { ...message, reactions: {}, myReactions: [] };
  }

  /** The main timeline's newest messages (see {@link page}). */
  async messages(actor: Person, roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<MessageView[]> {
    return (await this.page(actor, roomId, options)).messages;
  }

  /**
   * Newest first, each with its reactions as `actor` sees them and, on a thread root, its summary.
   * Without `threadId`: the main timeline, thread replies left out (a page may hold fewer than
   * `limit` when many were skipped). With `threadId`: that thread's replies, and the root last once
   * the page reaches the thread's start. `nextBefore` is the `beforeSeq` of the next page; undefined
   * when there is none.
   */
  async page(
    actor: Person,
    roomId: RoomId,
    options: { beforeSeq?: number; limit: number; threadId?: MessageId },
  ): Promise<{ messages: MessageView[]; nextBefore?: number }> {
    const self = this.idOf(actor);
    await this.requireReader(self, roomId);
    const { messages, nextBefore } =
      options.threadId === undefined ? await mainTimelinePage(this.deps.messages, roomId, options) : await threadTimelinePage(this.deps.messages, roomId, options.threadId, options);
    return { messages: await this.views(messages, self), ...(nextBefore !== undefined && nextBefore > 1 ? { nextBefore } : {}) };
  }

  /**
   * Moves `actor`'s read marker forward to `messageId` (a message of the room, a tombstone too) and
   * journals `room.read` to the room's readers in the same batch. A message at or before the
   * marker changes nothing and resolves false. Members who may read the room only.
   */
  async markRead(actor: Person, roomId: RoomId, messageId: MessageId, options: WriteOptions = {}): Promise<boolean> {
    const self = this.idOf(actor);
    await this.requireReader(self, roomId);
    const message = await this.deps.messages.get(messageId);
    if (!message || message.roomId !== roomId) throw notFound("message");
    const events = await this.toReaders({ type: "room.read", roomId, member: self, messageId, by: self }, options);
    const stillReads = async () => roomRules.mayReadMessages((await this.deps.rooms.membership(roomId, self))?.membership);
    const moved = await this.deps.markers.advance({ roomId, member: self, messageId, seq: message.seq, at: this.now() }, events, stillReads);
    if (moved) this.deps.events.publish(events);
    return moved;
  }

  /** Each member's read marker (the message they read up to), for plugins; members without one are absent. */
  async readMarkers(roomId: RoomId): Promise<Map<PersonId, MessageId>> {
    return new Map((await this.deps.markers.ofRoom(roomId)).map((marker) => [marker.member, marker.messageId]));
  }

  /** The room at a glance for `actor` (see {@link RoomActivity}); nothing unread and no last message for an invitee, who may not read it yet. */
  async activity(actor: Person, roomId: RoomId): Promise<RoomActivity> {
    const self = this.idOf(actor);
    const { membership } = await this.requireVisible(self, roomId);
    if (!roomRules.mayReadMessages(membership.membership)) return { unreadCount: 0 };
    return roomActivity({ messages: this.deps.messages, markers: this.deps.markers }, roomId, self);
  }

  /** Throws exactly as `messages` would when `actor` may not read the room's messages. */
  async checkReader(actor: Person, roomId: RoomId): Promise<void> {
    await this.requireReader(this.idOf(actor), roomId);
  }

  /**
   * The messages among `ids` that `actor` may read now, as `page` shows them (reactions as they
   * see them, a root's thread summary); those gone or in rooms they may not read are left out, in
   * no particular order. Called by the sync route to carry messages in its events: one read per
   * message, one membership read per room, one reaction lookup for all.
   */
  async readableMessages(actor: Person, ids: readonly MessageId[]): Promise<MessageView[]> {
    const self = this.idOf(actor);
    const found = await Promise.all([...new Set(ids)].map((id) => this.deps.messages.get(id)));
    const mayRead = new Map<RoomId, Promise<boolean>>();
    const readable: Message[] = [];
    for (const message of found) {
      if (!message) continue;
      let check = mayRead.get(message.roomId);
      if (!check) mayRead.set(message.roomId, (check = this.deps.rooms.membership(message.roomId, self).then((m) => roomRules.mayReadMessages(m?.membership))));
      if (await check) readable.push(message);
    }
    return this.views(readable, self);
  }

  async getMessage(actor: Person, messageId: MessageId): Promise<Message> {
    const message = await this.deps.messages.get(messageId);
    if (!message) throw notFound("message");
    await this.requireReader(this.idOf(actor), message.roomId);
    return message;
  }

  async edit(actor: Person, messageId: MessageId, body: string, options: WriteOptions = {}): Promise<MessageView> {
    const self = this.idOf(actor);
    const message = await this.getMessage(actor, messageId);
    if (message.sender !== self) throw new MirageError(ErrorCodes.forbidden, "only the sender may edit a message");
    if (message.deleted) throw new MirageError(ErrorCodes.conflict, "a deleted message cannot be edited");
    checkBody(body);
    const edit = (message.edits ?? 0) + 1;
    const edited: Message = { ...message, body, html: await this.deps.renderer.toWebHtml(body), editedAt: this.now(), edits: edit };
    // An edit from Matrix is linked as this edit, so the message's deletion or expiry finds its event.
    const events = await this.toReaders({ type: "message.edited", roomId: message.roomId, messageId, by: self, edit }, withRef(options, editEventRef(messageId, edit)));
    await this.deps.messages.update(edited, events);
    this.deps.events.publish(events);
    return (await this.views([edited], self))[0]!;
  }

  /** Deletion keeps a tombstone (thread replies stay attached); the sender, or a moderator (see roomRules), may delete. */
  async delete(actor: Person, messageId: MessageId, options: WriteOptions = {}): Promise<void> {
    const self = this.idOf(actor);
    const message = await this.getMessage(actor, messageId);
    const room = await this.deps.rooms.get(message.roomId);
    if (message.sender !== self && !(room && roomRules.moderates(room, self))) {
      throw new MirageError(
        ErrorCodes.forbidden,
        room?.kind === "dm" ? "in a DM each person deletes only their own messages" : "only the sender or the room's creator may delete a message",
      );
    }
    if (message.deleted) return;
    const events = await this.toReaders({ type: "message.deleted", roomId: message.roomId, messageId, by: self }, options);
    await this.deps.messages.update({ ...message, body: "", html: "", deleted: true, editedAt: this.now() }, events);
    this.deps.events.publish(events);
  }

  /**
   * Expires a message (disappearing messages): deletes every stored copy of it and of the reactions
   * on it (see {@link MessagePurge}), journals `message.expired` in the same batch so its readers
   * hear of it and the bridge redacts it in Matrix, then asks for compaction so the deleted data
   * leaves the store's files. Not a person's act: the caller decides the message is due. Resolves
   * false when there is no such message (expired already).
   */
  async expire(messageId: MessageId): Promise<boolean> {
    const message = await this.deps.messages.get(messageId);
    if (!message) return false;
    const audience = await this.messageAudience(message.roomId);
    let events: PublishedEvent[] = [];
    const purged = await this.deps.purge.purge(messageId, ({ matrixEventIds }) => {
      events = [this.record({ type: "message.expired", roomId: message.roomId, messageId, by: message.sender, matrixEventIds }, audience)];
      return events;
    });
    if (!purged) return false;
    this.deps.events.publish(events);
    // Compaction is coalesced and runs off the event loop; its failure leaves the data deleted, only not yet out of the files.
    this.deps.purge.compact().catch(() => undefined);
    return true;
  }

  /**
   * Called by the bridge when Matrix refused the message for good: marks it `delivery: failed` with
   * `reason` (a short code, never content) and tells its readers. Marking it again changes nothing.
   */
  async markDeliveryFailed(messageId: MessageId, reason: string, options: WriteOptions = {}): Promise<Message> {
    const message = await this.deps.messages.get(messageId);
    if (!message) throw notFound("message");
    if (message.delivery?.state === "failed") return message;
    const code = reason.trim().slice(0, REASON_MAX_LENGTH);
    if (code === "") throw new MirageError(ErrorCodes.invalidInput, "a delivery failure needs a reason");
    const failed: Message = { ...message, delivery: { state: "failed", reason: code, at: this.now() } };
    const events = await this.toReaders({ type: "message.delivery_failed", roomId: message.roomId, messageId, by: message.sender }, options);
    await this.deps.messages.update(failed, events);
    this.deps.events.publish(events);
    return failed;
  }

  /** Tombstones carry no reactions: what was said and how people reacted to it both go. A tombstoned root keeps its thread. */
  private async views(messages: Message[], reader: PersonId): Promise<MessageView[]> {
    const live = messages.filter((message) => !message.deleted);
    const summaries = await reactionSummaries(this.deps.reactions, live.map((message) => ({ kind: "message" as const, id: message.id })), reader);
    const byId = new Map(live.map((message, i) => [message.id, summaries[i]!]));
    const roots = messages.filter((message) => message.threadId === undefined);
    const threads = await this.deps.messages.threadSummaries(roots.map((message) => message.id));
    const threadOf = new Map(roots.map((message, i) => [message.id, threads[i]]));
    return messages.map((message) => {
      const thread = threadOf.get(message.id);
      return { ...message, ...(byId.get(message.id) ?? { reactions: {}, myReactions: [] }), ...(thread ? { threadSummary: thread } : {}) };
    });
  }

  /** The Mirage accounts who may read the room's messages now: the live audience of messages and their reactions. */
  async messageAudience(roomId: RoomId): Promise<PersonId[]> {
    return this.membersWhere(roomId, roomRules.mayReadMessages);
  }

  /** Whether `actor` moderates the room (see roomRules): sets its policies, removes members, deletes others' messages. */
  async moderates(actor: Person, roomId: RoomId): Promise<boolean> {
    const room = await this.deps.rooms.get(roomId);
    return room !== undefined && roomRules.moderates(room, this.idOf(actor));
  }

  /** Whether `reader` may read the room's messages (for reactions on messages and the like). */
  async canRead(reader: Person, roomId: RoomId): Promise<boolean> {
    return roomRules.mayReadMessages((await this.deps.rooms.membership(roomId, this.idOf(reader)))?.membership);
  }

  /** Mirage accounts whose membership passes `rule`. */
  private async membersWhere(roomId: RoomId, rule: (membership: Membership) => boolean): Promise<PersonId[]> {
    return (await this.deps.rooms.members(roomId)).filter((m) => rule(m.membership) && !people.isMatrixId(m.member)).map((m) => m.member);
  }

  /** Told to everyone who may see the room before or after the change: the member who leaves hears of it, a stranger banned does not. */
  private async changeMembership(
    roomId: RoomId,
    member: PersonId,
    membership: MembershipRecord["membership"],
    by: PersonId,
    options: WriteOptions = {},
    reason?: string,
  ): Promise<MembershipRecord> {
    const audienceBefore = await this.membersWhere(roomId, roomRules.maySeeRoom);
    const why = reason?.trim().slice(0, REASON_MAX_LENGTH);
    const because = why ? { reason: why } : {};
    const record: MembershipRecord = { roomId, member, membership, by, at: this.now(), ...because };
    const audience = new Set([...audienceBefore, ...(people.isMatrixId(member) || !roomRules.maySeeRoom(membership) ? [] : [member])]);
    const events = [this.record({ type: "member.changed", roomId, member, membership, by, ...because }, [...audience], options)];
    await this.deps.rooms.setMembership(record, events);
    this.deps.events.publish(events);
    return record;
  }

  /** The room and `member`'s membership when they may see it; NOT_FOUND otherwise, so its existence does not leak. */
  private async requireVisible(member: PersonId, roomId: RoomId) {
    const room = await this.deps.rooms.get(roomId);
    const membership = room ? await this.deps.rooms.membership(roomId, member) : undefined;
    if (!room || !membership || !roomRules.maySeeRoom(membership.membership)) throw notFound("room");
    return { room, membership };
  }

  /** As requireVisible, and FORBIDDEN unless `member` may read (and write) its messages. */
  private async requireReader(member: PersonId, roomId: RoomId) {
    const visible = await this.requireVisible(member, roomId);
    if (!roomRules.mayReadMessages(visible.membership.membership)) throw new MirageError(ErrorCodes.forbidden, "join the room first");
    return visible;
  }

  /** Resolves handles to canonical members, checking that Mirage accounts exist; drops `self`. */
  private async resolveAll(handles: readonly string[], self: PersonId): Promise<PersonId[]> {
    const out = new Set<PersonId>();
    for (const handle of handles) {
      const person = people.resolve(handle, this.deps.ghosts);
      if (person.kind === "account" && !(await this.deps.accounts.get(person.name))) {
        throw new MirageError(ErrorCodes.notFound, `no Mirage account named "${person.name}"`);
      }
      const id = people.id(person);
      if (id !== self) out.add(id);
    }
    return [...out];
  }

  /** The acting person's member ID, a ghost being its account. */
  private idOf(actor: Person): PersonId {
    return people.id(people.canonical(actor, this.deps.ghosts));
  }

  /** The event addressed to those who may read the room's messages, as they are before the write. */
  private async toReaders(event: DomainEvent & { roomId: RoomId }, options: WriteOptions = {}): Promise<PublishedEvent[]> {
    return [this.record(event, await this.messageAudience(event.roomId), options)];
  }

  private record(event: DomainEvent, audience: readonly string[], options: WriteOptions = {}): PublishedEvent {
    return { event, audience: audience.filter((a) => !people.isMatrixId(a)), at: this.now(), ...(options.origin ? { origin: options.origin } : {}) };
  }
}

function checkBody(body: string): void {
  if (body.trim() === "") throw new MirageError(ErrorCodes.invalidInput, "message body must not be empty");
  if (body.length > MESSAGE_MAX_LENGTH) throw new MirageError(ErrorCodes.invalidInput, `message body must be at most ${MESSAGE_MAX_LENGTH} characters`);
}

