import type { ReactionSummary } from "../reactions/reactionSummaries.js";
import type { MessageId, RoomId } from "../ids.js";
import type { PersonId } from "../people/Person.js";
import type { JournalRecords } from "../ports/Journal.js";

/** A member of a room: a Mirage account name (`alice`) or a Matrix user ID (`@bob:example.org`); never a ghost's Matrix ID. */
export type MemberId = PersonId;
/** `ban`: out, and neither rejoins nor is invited again until unbanned (a ban lifted is `leave`). */
export type Membership = "join" | "invite" | "leave" | "ban";

export interface Room {
  id: RoomId;
  kind: "group" | "dm";
  name: string;
  topic: string;
  /** Its creator: a Mirage account, or a Matrix user who created it through the bridge. */
  createdBy: PersonId;
  createdAt: number;
  /** Who may join without an invite: `invite` (the default when absent) or `public` (anyone, from the web or Matrix). */
  joinRule?: "invite" | "public";
}

export interface MembershipRecord {
  roomId: RoomId;
  member: MemberId;
  membership: Membership;
  /** Who made the change (the member for join/leave, the inviter for invite, the moderator for a kick or ban). */
  by: MemberId;
  at: number;
  /** Why a kick or ban happened, as its author gave it. */
  reason?: string;
}

export interface Message {
  id: MessageId;
  roomId: RoomId;
  /** Position in the room's timeline (1, 2, 3, …); pagination cursor. */
  seq: number;
  sender: MemberId;
  /** Markdown source; empty once deleted. */
  body: string;
  /** Sanitized HTML rendered at write time; empty once deleted. */
  html: string;
  /**
   * The message this one replies to, in the same room: a quoting reply in the main timeline, or,
   * with `threadId`, an in-thread reply to that specific message.
   */
  parentId?: MessageId;
  /** The root of the thread this message is in (never set on a root itself). */
  threadId?: MessageId;
  /** `text` when absent; `notice` (automated) and `emote` (/me) keep their Matrix msgtype. */
  kind?: MessageKind;
  createdAt: number;
  editedAt?: number;
  /** How many times it was edited; edit `n`'s Matrix event is linked as `editEventRef(id, n)`. */
  edits?: number;
  deleted: boolean;
  /** Set when the message could not be delivered to Matrix; `reason` is a short code, never content. */
  delivery?: { state: "failed"; reason: string; at: number };
}

export type MessageKind = "text" | "notice" | "emote";

/** A thread at a glance, on its root: replies so far (tombstones included) and the newest of them. */
export interface ThreadSummary {
  count: number;
  latestId: MessageId;
}

/** A message as one reader gets it: with its reactions (none on tombstones), and on a thread root its summary. */
export interface MessageView extends Message, ReactionSummary {
  threadSummary?: ThreadSummary;
}

/** Rooms and memberships; a DM index finds the one DM between two members. `events` are journaled in the write's batch. */
export interface RoomRepository {
  /** Creates the room with its initial memberships (and DM index entry) in one batch. */
  create(room: Room, memberships: readonly MembershipRecord[], dmPair?: readonly [MemberId, MemberId], events?: JournalRecords): Promise<void>;
  get(id: RoomId): Promise<Room | undefined>;
  setMembership(record: MembershipRecord, events?: JournalRecords): Promise<void>;
  membership(roomId: RoomId, member: MemberId): Promise<MembershipRecord | undefined>;
  members(roomId: RoomId): Promise<MembershipRecord[]>;
  /** Rooms where `member` is joined or invited, newest membership change first. */
  roomsOf(member: MemberId): Promise<MembershipRecord[]>;
  findDm(a: MemberId, b: MemberId): Promise<RoomId | undefined>;
}

/**
 * A room's timeline. `append` assigns the next sequence number atomically and, for a message with
 * `threadId`, indexes it in its thread and updates the root's summary in the same batch, and moves
 * the sender's read marker (see `ReadMarkerRepository`) to it; `events` are journaled in the write's batch.
 */
export interface MessageRepository {
  append(message: Omit<Message, "seq">, events?: JournalRecords): Promise<Message>;
  get(id: MessageId): Promise<Message | undefined>;
  update(message: Message, events?: JournalRecords): Promise<void>;
  /** Newest first, strictly before `beforeSeq` when given. */
  page(roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<Message[]>;
  /** The replies in the thread of `rootId` (the root itself not among them), newest first, strictly before `beforeSeq` when given. */
  threadPage(rootId: MessageId, options: { beforeSeq?: number; limit: number }): Promise<Message[]>;
  /** Each root's thread summary, in the order asked; undefined for a message without replies. */
  threadSummaries(rootIds: readonly MessageId[]): Promise<Array<ThreadSummary | undefined>>;
  /** How many messages (thread replies included, tombstones not) the room has after `afterSeq`, counting at most `cap`, at a cost bounded by `cap` rather than the room's size. */
  countLiveAfter(roomId: RoomId, afterSeq: number, cap: number): Promise<number>;
}
