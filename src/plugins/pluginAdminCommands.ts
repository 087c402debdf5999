import type { Command } from "../platform/commands/Command.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import type { PluginStatus } from "./PluginHost.js";
import type { PluginStorages } from "./PluginStorage.js";

const PLUGIN_ID = /^[a-z0-9-]{1,32}$/;

/**
 * `!mirage plugins` lists the configured plugins and their state; `!mirage plugin purge <id>`
 * deletes everything a plugin stored (its keys and persisted jobs) — only while it is not
 * running, so no plugin loses its store under its feet. Bridge admins only.
 */
export function pluginAdminCommands(options: { status(): Record<string, PluginStatus>; storages: PluginStorages }): Command[] {
  return [
    {
      name: "mirage plugins",
      summary: "list the configured plugins and whether they run",
      permission: "bridgeAdmin",
      async run(ctx) {
        const entries = Object.entries(options.status());
        ctx.reply(entries.length === 0 ? "No plugins are configured." : entries.map(([id, status]) => `${id}: ${status}`).join("\n"));
      },
    },
    {
      name: "mirage plugin purge",
      summary: "delete everything a stopped plugin stored",
      permission: "bridgeAdmin",
      args: [{ name: "id", description: "the plugin's id", required: true }],
      async run(ctx) {
        const id = ctx.args.id!;
        if (!PLUGIN_ID.test(id)) throw new MirageError(ErrorCodes.invalidInput, "A plugin id is 1-32 of a-z, 0-9 and -.");
        if (options.status()[id] === "running") {
          throw new MirageError(ErrorCodes.conflict, `${id} is running: set enabled: false for it in the config and restart Mirage, then purge.`);
        }
        await options.storages.purge(id);
        ctx.reply(`Deleted everything ${id} stored (its data and scheduled jobs).`);
      },
    },
  ];
}
