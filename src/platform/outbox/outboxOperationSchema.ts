import { type Static, type TLiteral, type TUnion, Type } from "@sinclair/typebox";

/** A union of string literals whose static type is the union of the values. */
function literals<T extends string>(...values: T[]): TUnion<TLiteral<T>[]> {
  return Type.Union(values.map((v) => Type.Literal(v)));
}

const Id = (maxLength = 255) => Type.String({ minLength: 1, maxLength });
const UserId = Type.String({ pattern: "^@[^:\\s]+:\\S+$", maxLength: 255 });
const RoomId = Type.String({ pattern: "^![^\\s]+$", maxLength: 255 });
const EventId = Type.String({ pattern: "^\\$[^\\s]+$", maxLength: 255 });
const Content = Type.Record(Type.String(), Type.Unknown());
const Reason = Type.String({ maxLength: 1000 });

export const PlatformRefSchema = Type.Object(
  {
    kind: literals("room", "blog", "message", "post", "comment", "reaction", "member", "event"),
    id: Id(),
  },
  { additionalProperties: false },
);
const Ref = PlatformRefSchema;
/** A platform room, or a blog (`id`: its owner) whose Matrix room the operation addresses. */
const RoomRef = Type.Object({ kind: literals("room", "blog"), id: Id() }, { additionalProperties: false });

/**
 * Where an operation goes: `roomId` (a Matrix room) or `room` (a platform room, resolved
 * through the ID mapping when sent, so a send queued before its portal exists goes out after
 * the portal's creation). Exactly one of them; see `validateOutboxOperation`.
 */
const Address = {
  sender: UserId,
  roomId: Type.Optional(RoomId),
  room: Type.Optional(RoomRef),
};

/** Relations named by platform reference; turned into Matrix shapes from the mapping at send time. */
export const RelationSchema = Type.Union([
  Type.Object({ type: Type.Literal("reply"), to: Ref }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal("thread"),
      root: Ref,
      /** The latest event in the thread, for the reply fallback of clients without threads. */
      latest: Type.Optional(Ref),
      /** An in-thread reply to this specific event (no fallback). */
      replyTo: Type.Optional(Ref),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal("edit"), target: Ref }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal("reaction"), target: Ref, key: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false }),
]);

const Send = Type.Object(
  {
    op: Type.Literal("send"),
    ...Address,
    eventType: Id(),
    content: Content,
    /** The platform object this event stands for: its event ID is recorded in the mapping. */
    ref: Type.Optional(Ref),
    relation: Type.Optional(RelationSchema),
  },
  { additionalProperties: false },
);

/**
 * An image by URL, sent as an `m.image` after it was fetched (safely) and uploaded once per URL;
 * encrypted as an `EncryptedFile` in encrypted rooms. An image that cannot be fetched is skipped
 * (counted), so the operation never blocks the room.
 */
const SendImage = Type.Object(
  {
    op: Type.Literal("sendImage"),
    ...Address,
    url: Type.String({ pattern: "^https?://\\S+$", maxLength: 2048 }),
    /** The event's `body`: the image's alt text, or its file name. */
    body: Type.String({ minLength: 1, maxLength: 1000 }),
    /** The image event's own reference (see `imageRef`): recorded in the mapping, so deleting its text redacts it. */
    ref: Type.Optional(Ref),
    relation: Type.Optional(RelationSchema),
  },
  { additionalProperties: false },
);

const State = Type.Object(
  { op: Type.Literal("state"), ...Address, eventType: Id(), stateKey: Type.String({ maxLength: 255 }), content: Content },
  { additionalProperties: false },
);

const Redact = Type.Object(
  {
    op: Type.Literal("redact"),
    ...Address,
    target: Type.Union([Ref, Type.Object({ eventId: EventId }, { additionalProperties: false })]),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

const Membership = Type.Object(
  {
    op: Type.Literal("membership"),
    action: literals("invite", "join", "leave", "kick", "ban", "unban"),
    ...Address,
    /** Whom it concerns: required for invite, kick and ban; for join and leave, the sender. */
    userId: Type.Optional(UserId),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

const Profile = Type.Object(
  {
    op: Type.Literal("profile"),
    sender: UserId,
    displayName: Type.Optional(Type.String({ maxLength: 255 })),
    /** The avatar as an `mxc://` URI, or "" for none. */
    avatarUrl: Type.Optional(Type.String({ pattern: "^(mxc://[^/\\s]+/[^/\\s]+)?$", maxLength: 255 })),
    /** An https image to fetch (safely) and upload once per URL as the avatar; instead of `avatarUrl`. */
    avatarSource: Type.Optional(Type.String({ pattern: "^https://\\S+$", maxLength: 2048 })),
  },
  { additionalProperties: false },
);

const CreateRoom = Type.Object(
  {
    op: Type.Literal("createRoom"),
    sender: UserId,
    /** The platform room this portal is for; recorded in the mapping with the new room ID. */
    room: RoomRef,
    /** Alias localpart, e.g. `mirage_abc`: how a retry after a crash finds the room it already created. */
    alias: Type.String({ pattern: "^[^:#\\s]+$", maxLength: 200 }),
    name: Type.Optional(Type.String({ maxLength: 255 })),
    topic: Type.Optional(Type.String({ maxLength: 1000 })),
    isDirect: Type.Optional(Type.Boolean()),
    preset: Type.Optional(literals("private_chat", "public_chat", "trusted_private_chat")),
    visibility: Type.Optional(literals("public", "private")),
    roomVersion: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9.\\-]{1,32}$" })),
    invite: Type.Optional(Type.Array(UserId, { maxItems: 100 })),
    initialState: Type.Optional(
      Type.Array(Type.Object({ type: Id(), stateKey: Type.String({ maxLength: 255 }), content: Content }, { additionalProperties: false }), {
        maxItems: 50,
      }),
    ),
    /** Merged over the server's default power levels. */
    powerLevels: Type.Optional(Content),
  },
  { additionalProperties: false },
);

/**
 * A public read receipt (`m.read`) from `sender` on the target's event. Coalesced when queued: a
 * newer receipt of the same sender in the same room replaces one still waiting, so a burst of read
 * markers sends one receipt, the newest. A target without a Matrix event is skipped (best effort).
 */
const Receipt = Type.Object(
  { op: Type.Literal("receipt"), ...Address, target: Ref },
  { additionalProperties: false },
);

/** Every operation the outbox carries out, discriminated by `op`. */
export const OutboxOperationSchema = Type.Union([Send, SendImage, State, Redact, Membership, Profile, CreateRoom, Receipt]);

export type OutboxOperation = Static<typeof OutboxOperationSchema>;
export type OutboxRelation = Static<typeof RelationSchema>;
export type SendOperation = Static<typeof Send>;
export type SendImageOperation = Static<typeof SendImage>;
export type StateOperation = Static<typeof State>;
export type RedactOperation = Static<typeof Redact>;
export type MembershipOperation = Static<typeof Membership>;
export type ProfileOperation = Static<typeof Profile>;
export type CreateRoomOperation = Static<typeof CreateRoom>;
export type ReceiptOperation = Static<typeof Receipt>;
