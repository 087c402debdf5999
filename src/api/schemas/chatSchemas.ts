import { Type, type Static } from "@sinclair/typebox";
import { Handle } from "./identifierSchemas.js";
import { ReactionCounts } from "./reactionSchemas.js";

export const RoomView = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal("group"), Type.Literal("dm")]),
    name: Type.String(),
    topic: Type.String(),
    createdBy: Type.String(),
    createdAt: Type.String({ format: "date-time" }),
    membership: Type.Union([Type.Literal("join"), Type.Literal("invite"), Type.Literal("leave")], { description: "The reader's own membership." }),
    members: Type.Optional(
      Type.Array(Type.Object({ member: Type.String(), membership: Type.String(), kind: Type.Union([Type.Literal("mirage"), Type.Literal("matrix")]) })),
    ),
  },
  { $id: "Room" },
);

export const MessageView = Type.Object(
  {
    id: Type.String(),
    roomId: Type.String(),
    seq: Type.Integer(),
    sender: Type.String(),
    body: Type.String({ description: "Markdown source." }),
    html: Type.String({ description: "Sanitized HTML rendered from the Markdown." }),
    parentId: Type.Optional(Type.String({ description: "The message this one replies to (a quoting reply; with threadId, an in-thread reply)." })),
    threadId: Type.Optional(Type.String({ description: "The root of the thread this message is in." })),
    kind: Type.Optional(Type.Union([Type.Literal("text"), Type.Literal("notice"), Type.Literal("emote")], { description: "text when absent." })),
    createdAt: Type.String({ format: "date-time" }),
    editedAt: Type.Optional(Type.String({ format: "date-time" })),
    deleted: Type.Boolean(),
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
    parentId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { $id: "MessageBody", additionalProperties: false },
);
export type MessageBodyT = Static<typeof MessageBody>;

export const EditBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: 20000 }) }, { $id: "EditBody", additionalProperties: false });
export type EditBodyT = Static<typeof EditBody>;

export const chatSchemas = [RoomView, MessageView, CreateRoomBody, HandleBody, MessageBody, EditBody];
