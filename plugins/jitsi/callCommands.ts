import type { PluginInstance } from "../../src/plugins/pluginApi.js";
import type { JitsiCalls } from "./JitsiCalls.js";
import { meetingUrl } from "./jitsiWidget.js";

type Command = NonNullable<PluginInstance["commands"]>[number];
type CommandContext = Parameters<Command["run"]>[0];

/** `!call`, `!call audio`, `!call end`, `!call token`: Matrix members start and end a room's Jitsi call. */
export function callCommands(calls: JitsiCalls, options: { jwt: boolean }): Command[] {
  const start = (audioOnly: boolean) => async (ctx: CommandContext) => {
    const room = { matrixRoomId: ctx.roomId };
    if (!(await allowed(calls, ctx, "start a call"))) return;
    const { call, created } = await calls.start(room, { creatorUserId: ctx.sender, audioOnly });
    if (!created) ctx.reply(`A call is already running here: ${meetingUrl(call)}`);
  };
  return [
    { name: "call", summary: "Start a Jitsi video call in this room (pinned as a widget, with a link for every client).", permission: "anyone", run: start(false) },
    { name: "call audio", summary: "Start a Jitsi audio call in this room.", permission: "anyone", run: start(true) },
    {
      name: "call end",
      summary: "End this room's Jitsi call (removes its widget).",
      permission: "anyone",
      async run(ctx) {
        if (!(await allowed(calls, ctx, "end the call"))) return;
        if (!(await calls.end({ matrixRoomId: ctx.roomId }))) ctx.reply("There is no call in this room.");
      },
    },
    {
      name: "call token",
      summary: "Get your personal link into a room's call (on servers that need one); send it to me in a direct message.",
      args: [{ name: "room", description: "The call room's ID (!…), when asking from a direct message." }],
      permission: "anyone",
      async run(ctx) {
        const target = ctx.args.room ?? ctx.roomId;
        if (!options.jwt) {
          const call = await calls.current({ matrixRoomId: target });
          ctx.reply(call ? `This call needs no token: ${meetingUrl(call)}` : "This server's calls need no token.");
          return;
        }
        if (target === ctx.roomId) {
          // Everyone here would read it: a token is the one member's key to the call.
          ctx.reply(`Tokens are personal: send \`!call token ${ctx.roomId}\` to me in a direct message.`);
          return;
        }
        const member = await calls.membership({ matrixRoomId: target }, ctx.sender);
        if (member !== "join") {
          ctx.reply("Only members of that room can join its call.");
          return;
        }
        const call = await calls.current({ matrixRoomId: target });
        if (!call) {
          ctx.reply("There is no call in that room.");
          return;
        }
        ctx.reply(`Your link into the call (personal, valid for a short while): ${meetingUrl(call, calls.tokenFor(call, { id: ctx.sender, name: ctx.sender }))}`);
      },
    },
  ];
}

async function allowed(calls: JitsiCalls, ctx: CommandContext, action: string): Promise<boolean> {
  const power = await calls.mayChangeWidgets({ matrixRoomId: ctx.roomId }, ctx.sender);
  if (power.allowed) return true;
  ctx.reply(`You cannot ${action} here: that needs power level ${power.needed} to change the room's widgets, and yours is ${power.user}.`);
  return false;
}
