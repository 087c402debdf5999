import { Type, type Static } from "@sinclair/typebox";
import { Handle } from "./identifierSchemas.js";
import { ReactionCounts } from "./reactionSchemas.js";
import { PersonProfile } from "./personSchemas.js";
import { UNREAD_COUNT_MAX } from "../../platform/chat/roomActivity.js";
import { EXCERPT_MAX_LENGTH } from "../../platform/chat/messageExcerpt.js";

export const RoomView = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal("group"), Type.Literal("dm")]),
    name: Type.String(),
    topic: Type.String(),
    createdBy: Type.String(),
    createdAt: Type.String({ format: "date-time" }),
    membership: Type.Union([Type.Literal("join"), Type.Literal("invite"), Type.Literal("leave")], { description: "The reader's own membership." }),
    joinRule: Type.Union([Type.Literal("invite"), Type.Literal("public")], { description: "`invite`: members join by invitation; `public`: anyone may join (from the web or Matrix)." }),
    members: Type.Optional(
      Type.Array(
        Type.Object({
          member: Type.String(),
          membership: Type.Union([Type.Literal("join"), Type.Literal("invite")]),
          kind: Type.Union([Type.Literal("mirage"), Type.Literal("matrix")], { description: "`matrix`: a Matrix user, with a Matrix user ID; `mirage`: a Mirage account." }),
        }),
        { description: "Joined and invited members." },
      ),
    ),
    unreadCount: Type.Integer({
      minimum: 0,
      maximum: UNREAD_COUNT_MAX,
      description: `Messages after your read marker (thread replies included, deleted ones not), counted up to ${UNREAD_COUNT_MAX}. Sending moves your own marker, so these are others' messages; without a marker (never read, or left and came back) every message counts. 0 for an invitee.`,
    }),
    readUpTo: Type.Optional(Type.String({ description: "The message your read marker is at (it may since have been deleted or expired). Absent: no marker." })),
    lastMessage: Type.Optional(
      Type.Object(
        {
          id: Type.String(),
          sender: Type.String({ description: "A Mirage account name or a Matrix user ID." }),
          senderProfile: Type.Ref(PersonProfile),
          excerpt: Type.String({ maxLength: EXCERPT_MAX_LENGTH, description: `Its text as one line of plain text (not HTML), at most ${EXCERPT_MAX_LENGTH} characters, ending in … when cut.` }),
          createdAt: Type.String({ format: "date-time" }),
        },
        { description: "The room's newest message that is not deleted (a thread reply too). Absent for an invitee and for a room without one." },
      ),
    ),
  },
  { $id: "Room" },
);

const MessageKind = Type.Union([Type.Literal("text"), Type.Literal("notice"), Type.Literal("emote")], {
  description: "`text` (an ordinary message), `notice` (automated, not to be answered by bots) or `emote` (an action, /me).",
});

export const MessageView = Type.Object(
  {
    id: Type.String(),
    roomId: Type.String(),
    seq: Type.Integer(),
    sender: Type.String({ description: "A Mirage account name or a Matrix user ID." }),
    senderProfile: Type.Ref(PersonProfile),
    body: Type.String({ description: "Markdown source." }),
    html: Type.String({ description: "Sanitized HTML rendered from the Markdown." }),
    parentId: Type.Optional(Type.String({ description: "The message replied to: a quoting reply in the main timeline, or with threadId an in-thread reply to it." })),
    threadId: Type.Optional(Type.String({ description: "The root of the thread this message is in; a root has none." })),
    threadSummary: Type.Optional(
      Type.Object(
        { count: Type.Integer({ minimum: 1, description: "Replies in the thread, tombstones included." }), latestId: Type.String({ description: "The newest reply." }) },
        { description: "On a thread root: its thread at a glance." },
      ),
    ),
    kind: MessageKind,
    createdAt: Type.String({ format: "date-time" }),
    editedAt: Type.Optional(Type.String({ format: "date-time" })),
    deleted: Type.Boolean(),
    delivery: Type.Optional(
      Type.Object(
        { state: Type.Literal("failed"), reason: Type.String({ description: "A short code, e.g. the homeserver's error code." }), at: Type.String({ format: "date-time" }) },
        { description: "Present when the message could not be delivered to Matrix, for good; Matrix users do not see it." },
      ),
    ),
    reactions: Type.Ref(ReactionCounts),
    myReactions: Type.Array(Type.String(), { description: "Keys you reacted with." }),
  },
  { $id: "Message" },
);

export const CreateRoomBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    topic: Type.Optional(Type.String({ maxLength: 1000 })),
    invite: Type.Optional(Type.Array(Type.Ref(Handle), { maxItems: 50 })),
    joinRule: Type.Optional(Type.Union([Type.Literal("invite"), Type.Literal("public")], { description: "Who may join: `invite` (the default) or `public` (anyone)." })),
  },
  { $id: "CreateRoomBody", additionalProperties: false },
);
export type CreateRoomBodyT = Static<typeof CreateRoomBody>;

export const HandleBody = Type.Object(
  { handle: Type.Ref(Handle) },
  { $id: "HandleBody", additionalProperties: false },
);
export type HandleBodyT = Static<typeof HandleBody>;

export const MessageBody = Type.Object(
  {
    body: Type.String({ minLength: 1, maxLength: 20000 }),
    parentId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Reply to this message; when it is in a thread, the reply is in that thread too." })),
    threadId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Post in the thread of this root (a message that is not itself in a thread)." })),
    kind: Type.Optional(MessageKind),
  },
  { $id: "MessageBody", additionalProperties: false },
);
export type MessageBodyT = Static<typeof MessageBody>;

export const RemoveMemberQuery = Type.Object(
  {
    ban: Type.Optional(Type.Boolean({ default: false, description: "Ban as well: they cannot rejoin or be invited again." })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Shown to Matrix users with the kick or ban." })),
  },
  { additionalProperties: false },
);

export const EditBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: 20000 }) }, { $id: "EditBody", additionalProperties: false });
export type EditBodyT = Static<typeof EditBody>;

export const ReadBody = Type.Object(
  { messageId: Type.String({ minLength: 1, maxLength: 64, description: "The message read up to, in this room." }) },
  { $id: "ReadBody", additionalProperties: false },
);
export type ReadBodyT = Static<typeof ReadBody>;

export const chatSchemas = [RoomView, MessageView, CreateRoomBody, HandleBody, MessageBody, EditBody, ReadBody];
