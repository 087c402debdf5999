import { Type, type TProperties } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AccountService } from "../../platform/accounts/AccountService.js";
import type { SyncHub } from "../../platform/sync/SyncHub.js";
import type { SyncObjects } from "../syncObjects.js";
import { authenticate } from "../authenticate.js";
import { ErrorResponse, errorResponses } from "../schemas/common.js";
import { ReactionCounts } from "../schemas/reactionSchemas.js";

const SyncQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "The `next` of the previous answer; omit for the current position." })),
    timeout: Type.Optional(Type.Integer({ minimum: 0, maximum: 120000, default: 30000, description: "Longest wait in milliseconds." })),
  },
  { additionalProperties: false },
);

const Id = Type.String();
const eventVariant = <T extends string, P extends TProperties>(type: T, properties: P) =>
  Type.Object({ type: Type.Literal(type), ...properties, by: Type.String({ description: "Who did it." }), at: Type.String({ format: "date-time" }) });
const roomEvent = <T extends string>(type: T) => eventVariant(type, { roomId: Id, messageId: Id });
const postEvent = <T extends string>(type: T) => eventVariant(type, { blog: Id, postId: Id });
const commentEvent = <T extends string>(type: T) => eventVariant(type, { postId: Id, commentId: Id });
const ReactionTarget = Type.Object({ kind: Type.Union([Type.Literal("post"), Type.Literal("comment"), Type.Literal("message")]), id: Id, roomId: Type.Optional(Id) });
const reactionEvent = <T extends string>(type: T) => eventVariant(type, { target: ReactionTarget, key: Type.String() });

/** One variant per domain event: the wire form of `DomainEvent` plus when it happened. */
export const SyncEventData = Type.Union([
  eventVariant("room.created", { roomId: Id }),
  eventVariant("member.changed", {
    roomId: Id,
    member: Id,
    membership: Type.Union([Type.Literal("join"), Type.Literal("invite"), Type.Literal("leave"), Type.Literal("ban")]),
    reason: Type.Optional(Type.String({ description: "Why a kick or ban happened, as its author gave it." })),
  }),
  roomEvent("message.created"),
  eventVariant("message.edited", {
    roomId: Id,
    messageId: Id,
    edit: Type.Optional(Type.Integer({ minimum: 1, description: "Which edit of the message this is (1, 2, …)." })),
  }),
  roomEvent("message.deleted"),
  roomEvent("message.delivery_failed"),
  eventVariant("message.expired", {
    roomId: Id,
    messageId: Id,
    matrixEventIds: Type.Array(Id, { description: "The Matrix events of the message and its reactions, redacted with it." }),
  }),
  eventVariant("room.read", {
    roomId: Id,
    member: Id,
    messageId: Id,
  }),
  eventVariant("blog.updated", {
    blog: Id,
    fields: Type.Array(Type.Union(["title", "description", "blockedCommenters"].map((field) => Type.Literal(field)))),
  }),
  postEvent("post.created"),
  postEvent("post.edited"),
  postEvent("post.deleted"),
  commentEvent("comment.created"),
  commentEvent("comment.edited"),
  commentEvent("comment.deleted"),
  eventVariant("comment.expired", {
    postId: Id,
    commentId: Id,
    matrixEventIds: Type.Array(Id, { description: "The Matrix events of the comment, its images and its reactions, redacted with it." }),
  }),
  reactionEvent("reaction.added"),
  reactionEvent("reaction.removed"),
  Type.Object(
    {
      type: Type.Literal("plugin.event"),
      roomId: Id,
      plugin: Type.String({ description: "The plugin's id, e.g. jitsi." }),
      name: Type.String({ description: "What happened, as the plugin names it, e.g. call.started." }),
      payload: Type.Record(Type.String(), Type.Unknown(), { description: "The plugin's own data (see the plugin's documentation)." }),
      at: Type.String({ format: "date-time" }),
    },
    { description: "A plugin's live notice to a room's readers; not stored, so read the state through the plugin's routes after being away." },
  ),
  eventVariant("profile.changed", {
    name: Id,
    fields: Type.Array(Type.Union(["displayName", "avatarUrl", "bio", "customHtml", "customCss"].map((field) => Type.Literal(field)))),
  }),
]);

/** What a reaction event carries: the target's reactions as the reaction routes answer them to the reader. */
const ReactionCountsObject = Type.Object(
  { reactions: Type.Ref(ReactionCounts), myReactions: Type.Array(Type.String(), { description: "Keys you reacted with." }) },
  { description: "`reaction.added|removed`: the target's reactions now, as `PUT|DELETE …/reactions/{key}` answer them." },
);

const SyncObject = Type.Union([Type.Ref("Message"), Type.Ref("Comment"), Type.Ref("Post"), Type.Ref("Room"), ReactionCountsObject], {
  description:
    "What the event names, as you may read it when the answer is made (its current state, so two edits in one answer both carry the latest text), " +
    "in the shape of its read route: `message.created|edited|delivery_failed` a Message, `comment.created|edited` a Comment, `post.created|edited` " +
    "a Post, `room.created`, `member.changed` and `room.read` of your own marker the Room with its members and your unread count, " +
    "`reaction.added|removed` the target's counts. Absent for other kinds " +
    "and when the thing is gone or hidden from you (fetch it by id then, if at all).",
});

const SyncResponse = Type.Object({
  events: Type.Array(
    Type.Object({
      kind: Type.String({ description: "The event's type, e.g. message.created." }),
      roomId: Type.Optional(Type.String({ description: "The room it happened in, for room events and reactions to messages." })),
      data: SyncEventData,
      object: Type.Optional(SyncObject),
    }),
    { description: "Oldest first." },
  ),
  next: Type.String({ description: "The `since` of the next request." }),
});

const Overloaded = Type.Ref(ErrorResponse, {
  description: "`OVERLOADED`: too many polls are waiting server-wide; poll again after `Retry-After` seconds.",
  headers: { "retry-after": Type.Integer({ minimum: 1, description: "Seconds to wait before polling again." }) },
});

/**
 * Long-poll: answers at once when the account has new events after `since`, else waits up
 * to `timeout`. A disconnected client's wait is released immediately; a session or account
 * over its bound of parked polls has its oldest answered (empty) to make room for the new one.
 */
export async function syncRoutes(app: FastifyInstance, opts: { accounts: AccountService; hub: SyncHub; objects?: SyncObjects }): Promise<void> {
  app.get<{ Querystring: { since?: string; timeout?: number } }>(
    "/api/v1/sync",
    {
      preValidation: authenticate(opts.accounts),
      schema: {
        summary: "Long-poll for new events",
        tags: ["sync"],
        security: [{ bearer: [] }],
        querystring: SyncQuery,
        response: { 200: SyncResponse, ...errorResponses(400, 401), 503: Overloaded },
      },
    },
    async (request, reply) => {
      const controller = new AbortController();
      const onClose = () => controller.abort(new Error("client went away"));
      request.raw.once("close", onClose);
      try {
        const { account, session } = request.auth!;
        const batch = await opts.hub.wait(account.name, request.query.since, request.query.timeout ?? 30_000, controller.signal, session);
        if (opts.objects === undefined || batch.events.length === 0) return batch;
        // Read now, for this reader: the batch itself is shared by every recipient and stays as published.
        const objects = await opts.objects(account.name, batch.events);
        return { events: batch.events.map((event, i) => (objects[i] === undefined ? event : { ...event, object: objects[i] })), next: batch.next };
      } catch (error) {
        if (!controller.signal.aborted) throw error;
        // A client leaving mid-wait is how long-polls normally end: nobody is left to answer.
        request.log.debug("long-poll client went away");
        return reply.hijack();
      } finally {
        request.raw.off("close", onClose);
      }
    },
  );
}
