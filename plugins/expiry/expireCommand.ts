import type { Command, CommandContext } from "../../src/platform/commands/Command.js";
import type { PlatformServices } from "../../src/platform/createPlatformServices.js";
import type { ExpiryPolicy } from "./ExpiryPolicy.js";
import { formatDuration, parseDuration } from "./parseDuration.js";

/**
 * `!expire <duration> [read]` / `!expire off` / `!expire` (shows the timer): in a portal, the room's
 * timer (moderators); in a blog's room, the timer of comments on its posts (the blog's owner).
 */
export function expireCommand(deps: {
  roomLinks: PlatformServices["roomLinks"];
  maxMs: number;
  get(roomId: string): Promise<ExpiryPolicy | undefined>;
  set(roomId: string, policy: ExpiryPolicy | undefined): Promise<unknown>;
  blogs: { get(owner: string): Promise<number | undefined>; set(owner: string, ms: number | undefined): Promise<void> };
}): Command {
  return {
    name: "expire",
    summary: "Set this room's disappearing-messages timer (e.g. 30s, 5m, 1h, 7d; add read to count from reading), or in a blog's room its comment timer; or turn it off",
    args: [
      { name: "duration", description: "30s, 5m, 1h, 7d, … or off; without it, shows the timer" },
      { name: "mode", description: "read (after_read): the time starts once everyone else has read a message; sent (after_send, the default): when it is sent" },
    ],
    permission: "moderator",
    async run(ctx) {
      const room = await deps.roomLinks.platformRoomOf(ctx.roomId);
      if (room?.kind === "blog") return blogTimer(ctx, room.id);
      if (room?.kind !== "room") {
        ctx.reply("Disappearing messages are set in a Mirage room's portal, and comment timers in a blog's room.");
        return;
      }
      const duration = ctx.args["duration"];
      if (duration === undefined) {
        const policy = await deps.get(room.id);
        ctx.reply(policy ? `Messages here disappear ${formatDuration(policy.ms)} ${describe(policy.mode)}.` : "Messages here do not disappear.");
        return;
      }
      if (duration.toLowerCase() === "off") {
        await deps.set(room.id, undefined);
        ctx.reply("Disappearing messages are off: new messages stay.");
        return;
      }
      const ms = parseDuration(duration);
      const mode = MODES[(ctx.args["mode"] ?? "sent").toLowerCase()];
      if (ms === undefined || mode === undefined) {
        ctx.reply(`Usage: ${ctx.invocation} <duration like 30s, 5m, 1h, 7d> [read|sent], or ${ctx.invocation} off`);
        return;
      }
      if (ms > deps.maxMs) {
        ctx.reply(`The longest timer is ${formatDuration(deps.maxMs)}.`);
        return;
      }
      await deps.set(room.id, { mode, ms });
      ctx.reply(`New messages here disappear ${formatDuration(ms)} ${describe(mode)}.`);
    },
  };

  /** In a blog's room: the timer of comments on the blog's posts, set by its owner. */
  async function blogTimer(ctx: CommandContext, owner: string): Promise<void> {
    if (ctx.sender !== owner) {
      ctx.reply("Only the blog's owner sets its comment timer.");
      return;
    }
    const duration = ctx.args["duration"];
    if (duration === undefined) {
      const ms = await deps.blogs.get(owner);
      ctx.reply(ms ? `Comments here disappear ${formatDuration(ms)} after they are written.` : "Comments here do not disappear.");
      return;
    }
    if (duration.toLowerCase() === "off") {
      await deps.blogs.set(owner, undefined);
      ctx.reply("Comment timer off: new comments stay.");
      return;
    }
    const ms = parseDuration(duration);
    if (ms === undefined || (ctx.args["mode"] !== undefined && MODES[ctx.args["mode"].toLowerCase()] !== "after_send")) {
      ctx.reply(`Usage: ${ctx.invocation} <duration like 30s, 5m, 1h, 7d>, or ${ctx.invocation} off (comments count from when they are written)`);
      return;
    }
    if (ms > deps.maxMs) {
      ctx.reply(`The longest timer is ${formatDuration(deps.maxMs)}.`);
      return;
    }
    await deps.blogs.set(owner, ms);
    ctx.reply(`New comments here disappear ${formatDuration(ms)} after they are written.`);
  }
}

/** The mode argument: `read` / `sent`, or the modes' own names as `com.beeper.disappearing_timer` spells them. */
const MODES: Readonly<Record<string, ExpiryPolicy["mode"]>> = { sent: "after_send", after_send: "after_send", read: "after_read", after_read: "after_read" };

const describe = (mode: ExpiryPolicy["mode"]) => (mode === "after_send" ? "after they are sent" : "after everyone else has read them");
