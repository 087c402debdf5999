import { Type } from "@sinclair/typebox";
import { asMessageId } from "../../src/platform/ids.js";
import { definePlugin, type PluginContext, type PluginMatrixEvent } from "../../src/plugins/pluginApi.js";
import { DueIndex } from "./DueIndex.js";
import { expireCommand } from "./expireCommand.js";
import { DISAPPEARING_TIMER, policyFromState, RETENTION } from "./ExpiryPolicy.js";
import { ExpiryPolicies } from "./ExpiryPolicies.js";
import { expiryRoutes } from "./expiryRoutes.js";
import { ReadGate } from "./ReadGate.js";
import { readMarkerMoved } from "./readMarkerMoved.js";

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
 * expired on the platform (every copy deleted, the store compacted) and redacted in Matrix.
 */
export default definePlugin({
  manifest: { id: "expiry", version: "1.0.0", description: "Disappearing messages: per-room timers; expired messages are redacted and deleted." },
  configSchema,
  start(ctx) {
    return startExpiry(ctx);
  },
});

export async function startExpiry(ctx: ExpiryContext, now: () => number = Date.now) {
  const { chat, roomLinks } = ctx.platform;
  const maxMs = ctx.config.maxSeconds * 1000;
  const policies = new ExpiryPolicies(ctx);
  const due = new DueIndex(ctx, (messageId) => chat.expire(asMessageId(messageId)), now);
  const reads = new ReadGate(ctx, (messageId, at) => due.add(messageId, at));

  ctx.hooks.on("message.created", async ({ event, at }) => {
    if (event.type !== "message.created") return;
    // Sending moves the sender's read marker: what came before is read by them.
    await reads.read(event.roomId, event.by, event.messageId, at);
    const policy = await policies.get(event.roomId);
    if (policy?.mode === "after_send") await due.add(event.messageId, at + policy.ms);
    if (policy?.mode === "after_read") await reads.created(event.roomId, event.messageId, event.by, at, policy.ms);
  });
  ctx.hooks.on("*", async ({ event, at }) => {
    const read = readMarkerMoved(event);
    if (read) await reads.read(read.roomId, read.member, read.messageId, at);
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
    commands: [expireCommand({ roomLinks, maxMs, get: (roomId) => policies.get(roomId), set: (roomId, policy) => policies.set(roomId, policy) })],
    roomRoutes: expiryRoutes({ chat, web: ctx.web, maxMs, set: (roomId, policy) => policies.set(roomId, policy) }),
  };
}
