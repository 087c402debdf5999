import type { Command } from "./Command.js";
import { renderHelp } from "./renderHelp.js";

export interface CoreCommandOptions {
  version: string;
}

/** `!mirage help`, `!mirage ping`, `!mirage version`. */
export function coreCommands(options: CoreCommandOptions): Command[] {
  return [
    {
      name: "mirage help",
      aliases: ["mirage"],
      summary: "list the commands",
      permission: "anyone",
      run(ctx) {
        const help = renderHelp(ctx.commands);
        ctx.reply(help.text, help.html);
      },
    },
    {
      name: "mirage ping",
      summary: "check that the bridge answers",
      permission: "anyone",
      run(ctx) {
        ctx.reply(`Pong! Your message reached Mirage after ${ctx.ageMs()} ms.`);
      },
    },
    {
      name: "mirage version",
      summary: "show the running version",
      permission: "anyone",
      run(ctx) {
        ctx.reply(`Mirage ${options.version} on Node.js ${process.versions.node}`);
      },
    },
  ];
}
