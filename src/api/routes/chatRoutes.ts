import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AccountService } from "../../platform/accounts/AccountService.js";
import type { ChatService } from "../../platform/chat/ChatService.js";
import type { MembershipRecord, MessageView, Room } from "../../platform/chat/Room.js";
import type { RoomActivity } from "../../platform/chat/roomActivity.js";
import type { Person } from "../../platform/people/Person.js";
import { people } from "../../platform/people/people.js";
import type { WriteThrottle } from "../../platform/accounts/WriteThrottle.js";
import { authenticate } from "../authenticate.js";
import type { MessagePageCache } from "../MessagePageCache.js";
import { authenticateWriter } from "../authenticateWriter.js";
import { RemoveMemberQuery, type CreateRoomBodyT, type EditBodyT, type HandleBodyT, type MessageBodyT, type ReadBodyT } from "../schemas/chatSchemas.js";
import { errorResponses } from "../schemas/common.js";
import { asMessageId, asRoomId, type RoomId } from "../../platform/ids.js";
import { profileLookup, type PersonProfileJson, type ProfileLookup } from "../profileLookup.js";

export interface ChatRoutesOptions {
  accounts: AccountService;
  chat: ChatService;
  /** Per-account budget for changes; none: unlimited. */
  writes?: WriteThrottle;
  /** Serialized message pages answered again while their room is unchanged; none: every read is built. */
  pageCache?: MessagePageCache;
  /** Senders' display names and avatars; default: shown by their IDs. */
  profiles?: ProfileLookup;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** The signed-in account as the acting Person (routes run after `authenticate`). */
const actor = (request: FastifyRequest): Person => people.account(request.auth!.account.name);

export function roomView(room: Room, membership: MembershipRecord, activity: RoomActivity, profileOf: (id: string) => PersonProfileJson, members?: MembershipRecord[]) {
  const last = activity.lastMessage;
  return {
    id: room.id,
    kind: room.kind,
    name: room.name,
    topic: room.topic,
    createdBy: room.createdBy,
    createdAt: iso(room.createdAt),
    membership: membership.membership,
    joinRule: room.joinRule ?? "invite",
    ...(members
      ? { members: members.map((m) => ({ member: m.member, membership: m.membership, kind: people.isMatrixId(m.member) ? ("matrix" as const) : ("mirage" as const) })) }
      : {}),
    unreadCount: activity.unreadCount,
    ...(activity.readUpTo !== undefined ? { readUpTo: activity.readUpTo } : {}),
    ...(last ? { lastMessage: { id: last.id, sender: last.sender, senderProfile: profileOf(last.sender), excerpt: last.excerpt, createdAt: iso(last.createdAt) } } : {}),
  };
}

export function messageView(m: MessageView, profileOf: (id: string) => PersonProfileJson) {
  return {
    id: m.id,
    roomId: m.roomId,
    seq: m.seq,
    sender: m.sender,
    senderProfile: profileOf(m.sender),
    body: m.body,
    html: m.html,
    ...(m.parentId !== undefined ? { parentId: m.parentId } : {}),
    ...(m.threadId !== undefined ? { threadId: m.threadId } : {}),
    ...(m.threadSummary !== undefined ? { threadSummary: m.threadSummary } : {}),
    kind: m.kind ?? "text",
    createdAt: iso(m.createdAt),
    ...(m.editedAt !== undefined ? { editedAt: iso(m.editedAt) } : {}),
    deleted: m.deleted,
    ...(m.delivery !== undefined ? { delivery: { state: m.delivery.state, reason: m.delivery.reason, at: iso(m.delivery.at) } } : {}),
    reactions: m.reactions,
    myReactions: m.myReactions,
  };
}

const RoomParams = Type.Object({ roomId: Type.String({ minLength: 1, maxLength: 64 }) });
const MessageParams = Type.Object({ messageId: Type.String({ minLength: 1, maxLength: 64 }) });
const MemberParams = Type.Object({ roomId: Type.String({ minLength: 1, maxLength: 64 }), member: Type.String({ minLength: 1, maxLength: 255, description: "A handle: account name or Matrix user ID." }) });
const PageQuery = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 1, description: "Return messages older than this seq." })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    threadId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: "List this thread instead: its replies newest first, then its root last, on the page that reaches the thread's start." }),
    ),
  },
  { additionalProperties: false },
);

/** Rooms, DMs, members and messages. Every route needs a signed-in account. */
export async function chatRoutes(app: FastifyInstance, opts: ChatRoutesOptions): Promise<void> {
  const { chat } = opts;
  const profiles = opts.profiles ?? profileLookup(undefined);
  const one = async (m: MessageView) => messageView(m, await profiles([m.sender]));
  /** The room as `account` sees it, with its members and their activity in it. */
  const fullRoom = async (account: Person, roomId: RoomId) => {
    const [{ room, membership, members }, activity] = await Promise.all([chat.getRoom(account, roomId), chat.activity(account, roomId)]);
    const profileOf = await profiles(activity.lastMessage ? [activity.lastMessage.sender] : []);
    return roomView(room, membership, activity, profileOf, members);
  };
  const auth = { preValidation: authenticate(opts.accounts) };
  const write = authenticateWriter(opts.accounts, opts.writes);
  const security = [{ bearer: [] }];
  const tags = ["chat"];

  app.get(
    "/api/v1/rooms",
    { ...auth, schema: { summary: "Rooms you are in or invited to", tags, security, response: { 200: Type.Object({ rooms: Type.Array(Type.Ref("Room")) }), ...errorResponses(401) } } },
    async (request) => {
      const account = actor(request);
      const rooms = await chat.roomsOf(account);
      const activities = await Promise.all(rooms.map(({ room }) => chat.activity(account, room.id)));
      const profileOf = await profiles(activities.flatMap((a) => (a.lastMessage ? [a.lastMessage.sender] : [])));
      return { rooms: rooms.map(({ room, membership }, i) => roomView(room, membership, activities[i]!, profileOf)) };
    },
  );

  app.post<{ Body: CreateRoomBodyT }>(
    "/api/v1/rooms",
    { ...write, schema: { summary: "Create a room", tags, security, body: { $ref: "CreateRoomBody#" }, response: { 201: { $ref: "Room#" }, ...errorResponses(400, 401, 404, 429) } } },
    async (request, reply) => {
      const account = actor(request);
      const room = await chat.createRoom(account, request.body);
      return reply.code(201).send(await fullRoom(account, room.id));
    },
  );

  app.get<{ Params: { roomId: string } }>(
    "/api/v1/rooms/:roomId",
    { ...auth, schema: { summary: "A room with its members", tags, security, params: RoomParams, response: { 200: { $ref: "Room#" }, ...errorResponses(401, 404) } } },
    async (request) => fullRoom(actor(request), asRoomId(request.params.roomId)),
  );

  app.post<{ Params: { roomId: string }; Body: HandleBodyT }>(
    "/api/v1/rooms/:roomId/members",
    {
      ...write,
      schema: {
        summary: "Invite by handle (naming yourself accepts your invite)",
        tags,
        security,
        params: RoomParams,
        body: { $ref: "HandleBody#" },
        response: { 200: Type.Object({ member: Type.String(), membership: Type.String() }), ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const record = await chat.invite(actor(request), asRoomId(request.params.roomId), request.body.handle);
      return { member: record.member, membership: record.membership };
    },
  );

  app.delete<{ Params: { roomId: string } }>(
    "/api/v1/rooms/:roomId/members/me",
    { ...write, schema: { summary: "Leave a room (or decline an invite)", tags, security, params: RoomParams, response: { 204: Type.Null(), ...errorResponses(401, 404, 429) } } },
    async (request, reply) => {
      await chat.leave(actor(request), asRoomId(request.params.roomId));
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { roomId: string } }>(
    "/api/v1/rooms/:roomId/join",
    {
      ...write,
      schema: {
        summary: "Join a public room, or one you are invited to",
        description: "Joining again changes nothing. 403 when banned, or for an invite-only room you were in before; 404 for an invite-only room you never had a part in.",
        tags,
        security,
        params: RoomParams,
        response: { 200: { $ref: "Room#" }, ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request) => {
      const account = actor(request);
      await chat.join(account, asRoomId(request.params.roomId));
      return fullRoom(account, asRoomId(request.params.roomId));
    },
  );

  app.delete<{ Params: { roomId: string; member: string }; Querystring: { ban?: boolean; reason?: string } }>(
    "/api/v1/rooms/:roomId/members/:member",
    {
      ...write,
      schema: {
        summary: "Remove a member (kick), or ban with ?ban=true (the group room's creator)",
        description: "A kicked member may be invited again; a banned one cannot rejoin or be invited. Banning someone already banned changes nothing.",
        tags,
        security,
        params: MemberParams,
        querystring: RemoveMemberQuery,
        response: { 200: Type.Object({ member: Type.String(), membership: Type.Union([Type.Literal("leave"), Type.Literal("ban")]) }), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const { ban, reason } = request.query;
      const record = await chat.removeMember(actor(request), asRoomId(request.params.roomId), request.params.member, {
        ...(ban !== undefined ? { ban } : {}),
        ...(reason !== undefined ? { reason } : {}),
      });
      return { member: record.member, membership: record.membership };
    },
  );

  app.delete<{ Params: { roomId: string; member: string } }>(
    "/api/v1/rooms/:roomId/bans/:member",
    {
      ...write,
      schema: {
        summary: "Lift a ban (the group room's creator)",
        description: "The person may then be invited again, or join a public room. 404 when they are not banned.",
        tags,
        security,
        params: MemberParams,
        response: { 200: Type.Object({ member: Type.String(), membership: Type.Literal("leave") }), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const record = await chat.unban(actor(request), asRoomId(request.params.roomId), request.params.member);
      return { member: record.member, membership: "leave" as const };
    },
  );

  app.post<{ Body: HandleBodyT }>(
    "/api/v1/dms",
    {
      ...write,
      schema: {
        summary: "Open (or find) the DM with someone",
        tags,
        security,
        body: { $ref: "HandleBody#" },
        response: { 200: { $ref: "Room#" }, 201: { $ref: "Room#" }, ...errorResponses(400, 401, 404, 429) },
      },
    },
    async (request, reply) => {
      const account = actor(request);
      const { room, created } = await chat.openDm(account, request.body.handle);
      return reply.code(created ? 201 : 200).send(await fullRoom(account, room.id));
    },
  );

  app.get<{ Params: { roomId: string }; Querystring: { before?: number; limit?: number; threadId?: string } }>(
    "/api/v1/rooms/:roomId/messages",
    {
      ...auth,
      schema: {
        summary: "Messages, newest first; page with ?before=<nextBefore>",
        description:
          "The main timeline leaves thread replies out and gives each thread root its threadSummary; ?threadId=<root> lists that thread instead. A page may hold fewer than limit messages; nextBefore null means there is nothing older.",
        tags,
        security,
        params: RoomParams,
        querystring: PageQuery,
        response: { 200: Type.Object({ messages: Type.Array(Type.Ref("Message")), nextBefore: Type.Union([Type.Integer(), Type.Null()]) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const account = request.auth!.account;
      const { roomId } = request.params;
      const limit = request.query.limit ?? 50;
      const { threadId } = request.query;
      const key = { roomId, reader: account.name, limit, before: request.query.before, threadId };
      // The version first: a change committing while the page is read leaves it stale, not current.
      const at = opts.pageCache?.version(roomId);
      if (opts.pageCache && at) {
        await chat.checkReader(actor(request), asRoomId(roomId));
        const cached = opts.pageCache.get(key, at);
        if (cached !== undefined) return reply.type("application/json; charset=utf-8").send(cached);
      }
      const page = await chat.page(actor(request), asRoomId(roomId), {
        limit,
        ...(request.query.before !== undefined ? { beforeSeq: request.query.before } : {}),
        ...(threadId !== undefined ? { threadId: asMessageId(threadId) } : {}),
      });
      const profileOf = await profiles(page.messages.map((m) => m.sender));
      const result = { messages: page.messages.map((m) => messageView(m, profileOf)), nextBefore: page.nextBefore ?? null };
      if (!opts.pageCache || !at) return result;
      const body = String(reply.serialize(result));
      opts.pageCache.put(key, at, body);
      return reply.type("application/json; charset=utf-8").send(body);
    },
  );

  app.post<{ Params: { roomId: string }; Body: MessageBodyT }>(
    "/api/v1/rooms/:roomId/messages",
    {
      ...write,
      schema: {
        summary: "Send a message (Markdown); parentId makes it a reply, threadId puts it in a thread",
        tags,
        security,
        params: RoomParams,
        body: { $ref: "MessageBody#" },
        response: { 201: { $ref: "Message#" }, ...errorResponses(400, 401, 403, 404, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const { body, parentId, threadId, kind } = request.body;
      const message = await chat.send(actor(request), asRoomId(request.params.roomId), {
        body,
        ...(parentId !== undefined ? { parentId: asMessageId(parentId) } : {}),
        ...(threadId !== undefined ? { threadId: asMessageId(threadId) } : {}),
        ...(kind !== undefined ? { kind } : {}),
      });
      return reply.code(201).send(await one(message));
    },
  );

  app.patch<{ Params: { messageId: string }; Body: EditBodyT }>(
    "/api/v1/messages/:messageId",
    {
      ...write,
      schema: { summary: "Edit your message", tags, security, params: MessageParams, body: { $ref: "EditBody#" }, response: { 200: { $ref: "Message#" }, ...errorResponses(400, 401, 403, 404, 409, 422, 429, 503) } },
    },
    async (request) => one(await chat.edit(actor(request), asMessageId(request.params.messageId), request.body.body)),
  );

  app.put<{ Params: { roomId: string }; Body: ReadBodyT }>(
    "/api/v1/rooms/:roomId/read",
    {
      ...write,
      schema: {
        summary: "Mark the room read up to a message",
        description:
          "Moves your read marker forward to the message (a thread reply or a deleted message too); a message at or before your marker changes nothing. The room's members hear of a move as room.read in sync; Matrix users see your read receipt on it.",
        tags,
        security,
        params: RoomParams,
        body: { $ref: "ReadBody#" },
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      await chat.markRead(actor(request), asRoomId(request.params.roomId), asMessageId(request.body.messageId));
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: { messageId: string } }>(
    "/api/v1/messages/:messageId",
    { ...write, schema: { summary: "Delete a message (its sender, or a group room's creator; in a DM only your own)", tags, security, params: MessageParams, response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 429) } } },
    async (request, reply) => {
      await chat.delete(actor(request), asMessageId(request.params.messageId));
      return reply.code(204).send();
    },
  );
}
