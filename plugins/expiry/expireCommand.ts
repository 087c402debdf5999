import type { Command } from "../../src/platform/commands/Command.js";
import type { PlatformServices } from "../../src/platform/createPlatformServices.js";
import type { ExpiryPolicy } from "./ExpiryPolicy.js";
import { formatDuration, parseDuration } from "./parseDuration.js";

/** `!expire <duration> [after_read]` / `!expire off` / `!expire` (shows the timer), in a portal; moderators. */
export function expireCommand(deps: {
  roomLinks: PlatformServices["roomLinks"];
  maxMs: number;
  get(roomId: string): Promise<ExpiryPolicy | undefined>;
  set(roomId: string, policy: ExpiryPolicy | undefined): Promise<unknown>;
}): Command {
  return {
    name: "expire",
    summary: "Set this room's disappearing-messages timer (e.g. 30s, 5m, 1h, 7d) or turn it off",
    args: [
      { name: "duration", description: "30s, 5m, 1h, 7d, … or off; without it, shows the timer" },
      { name: "mode", description: "after_send (default) or after_read" },
    ],
    permission: "moderator",
    async run(ctx) {
      const room = await deps.roomLinks.platformRoomOf(ctx.roomId);
      if (room?.kind !== "room") {
        ctx.reply("Disappearing messages are set in a Mirage room's portal.");
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
      const mode = (ctx.args["mode"] ?? "after_send").toLowerCase();
      if (ms === undefined || (mode !== "after_send" && mode !== "after_read")) {
        ctx.reply(`Usage: ${ctx.invocation} <duration like 30s, 5m, 1h, 7d> [after_send|after_read], or ${ctx.invocation} off`);
        return;
      }
      if (mode === "after_read") {
        ctx.reply(AFTER_READ_UNAVAILABLE);
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
}

/** Reads are not observed yet (Matrix read receipts do not reach plugins; the web has no read markers). */
export const AFTER_READ_UNAVAILABLE = "after_read timers are not available yet: Mirage does not see who has read a message. Use a timer after sending (the default).";

const describe = (mode: ExpiryPolicy["mode"]) => (mode === "after_send" ? "after they are sent" : "after everyone else has read them");
