import { Type } from "@sinclair/typebox";
import { asCommentId, asMessageId, asPostId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import { ErrorCodes, MirageError } from "../../src/platform/errors/MirageError.js";
import { definePlugin, type PluginContext, type PluginMatrixEvent } from "../../src/plugins/pluginApi.js";
import { BlogCommentTimers } from "./BlogCommentTimers.js";
import { blogExpiryRoutes } from "./blogExpiryRoutes.js";
import { DueIndex } from "./DueIndex.js";
import { expireCommand } from "./expireCommand.js";
import { DISAPPEARING_TIMER, policyFromState, RETENTION } from "./ExpiryPolicy.js";
import { ExpiryPolicies } from "./ExpiryPolicies.js";
import { expiryRoutes } from "./expiryRoutes.js";
import { ReadGate } from "./ReadGate.js";

export const configSchema = Type.Object(
  {
    maxSeconds: Type.Integer({ minimum: 1, default: 365 * 86_400, description: "Longest lifetime a room may set, in seconds." }),
  },
  { additionalProperties: false },
);

type ExpiryContext = PluginContext<{ maxSeconds: number }>;

/**
 * Disappearing messages: each room's timer (`!expire`, `PUT /api/v1/rooms/{roomId}/expiry`, or
 * the room's `m.room.retention` / `com.beeper.disappearing_timer` state set in a Matrix client)
 * gives each new message a due time, counted from its sending (`after_send`) or from when every
 * other member has read it (`after_read`, see {@link ReadGate}); when it comes the message is
 * expired on the platform (every copy deleted, the store compacted) and redacted in Matrix. A
 * blog's comment timer (`!expire` in its room, `PUT /api/v1/blogs/{owner}/expiry`) does the same
 * for comments on its posts, counted from when they are written.
 */
export default definePlugin({
  manifest: { id: "expiry", version: "1.0.0", description: "Disappearing messages: per-room timers and per-blog comment timers; what expires is redacted and deleted." },
  configSchema,
  start(ctx) {
    return startExpiry(ctx);
  },
});

export async function startExpiry(ctx: ExpiryContext, now: () => number = Date.now) {
  const { chat, comments, blogs, roomLinks } = ctx.platform;
  const maxMs = ctx.config.maxSeconds * 1000;
  const policies = new ExpiryPolicies(ctx);
  const blogTimers = new BlogCommentTimers(ctx);
  const due = new DueIndex(ctx, (item) => ("commentId" in item ? comments.expire(asCommentId(item.commentId)) : chat.expire(asMessageId(item.messageId))), now);
  const reads = new ReadGate(ctx, (messageId, at) => due.add({ messageId }, at));

  ctx.hooks.on("message.created", async ({ event, at }) => {
    if (event.type !== "message.created") return;
    // Sending moves the sender's read marker: what came before is read by them.
    await reads.read(event.roomId, event.by, event.messageId, at);
    const policy = await policies.get(event.roomId);
    if (policy?.mode === "after_send") await due.add({ messageId: event.messageId }, at + policy.ms);
    if (policy?.mode === "after_read") await reads.created(event.roomId, event.messageId, event.by, at, policy.ms);
  });
  ctx.hooks.on("room.read", async ({ event, at }) => {
    if (event.type === "room.read") await reads.read(event.roomId, event.member, event.messageId, at);
  });
  ctx.hooks.on("comment.created", async ({ event, at }) => {
    if (event.type !== "comment.created") return;
    // Its author may read the post (they just commented on it); gone since: nothing to time.
    const post = await blogs.getPost(asPostId(event.postId), people.fromId(event.by)).catch((error: unknown) => {
      if (error instanceof MirageError && error.code === ErrorCodes.notFound) return undefined;
      throw error;
    });
    const ms = post && (await blogTimers.get(post.blog));
    if (ms) await due.add({ commentId: event.commentId }, at + ms);
  });
  ctx.hooks.on("member.changed", async ({ event, at }) => {
    if (event.type === "member.changed" && (event.membership === "leave" || event.membership === "ban")) await reads.left(event.roomId, event.member, at);
  });

  ctx.onMatrixEvent(async (event: PluginMatrixEvent) => {
    // Mirage's own state events come back as echoes of what the policy already says.
    if ((event.type !== RETENTION && event.type !== DISAPPEARING_TIMER) || event.stateKey !== "" || event.fromMirage) return;
    const room = await roomLinks.platformRoomOf(event.roomId);
    if (room?.kind !== "room") return;
    const current = await policies.get(room.id);
    const next = policyFromState(event.type, event.content, current);
    if (next === undefined || (next !== null && next.ms > maxMs)) return;
    if (await policies.set(room.id, next ?? undefined, event.type)) ctx.logger.info({ roomId: room.id, mode: next?.mode, ms: next?.ms }, "expiry policy set in Matrix");
  });

  // What fell due while Mirage was down expires now.
  await due.run();

  return {
    commands: [expireCommand({ roomLinks, maxMs, get: (roomId) => policies.get(roomId), set: (roomId, policy) => policies.set(roomId, policy), blogs: blogTimers })],
    roomRoutes: expiryRoutes({ chat, web: ctx.web, maxMs, set: (roomId, policy) => policies.set(roomId, policy) }),
    blogRoutes: blogExpiryRoutes({ web: ctx.web, maxMs, set: (owner, ms) => blogTimers.set(owner, ms) }),
  };
}
