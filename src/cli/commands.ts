import { existsSync } from "node:fs";
import { ConfigError } from "../config/ConfigError.js";
import { loadConfig } from "../config/loadConfig.js";
import { createLogger, resolveLogFormat } from "../log/createLogger.js";
import { buildRegistration, readRegistration, writeRegistration } from "../matrix/registration.js";
import { PartFailure } from "../parts/PartFailure.js";
import { isMirageError } from "../platform/errors/MirageError.js";
import { VERSION } from "../version.js";
import { ensureRegistration } from "./ensureRegistration.js";
import { resolveConfigFile } from "./resolveConfigFile.js";

/** A CLI subcommand: its help text and what it does with its parsed flags. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, { type: "string" | "boolean"; description: string }>;
  run(flags: Record<string, string | boolean | undefined>): Promise<number>;
}

const configOption = {
  config: { type: "string", description: "config file (default: $MIRAGE_CONFIG, else ./config.yaml if present)" },
} as const;

export const cliCommands: CliCommand[] = [
  {
    name: "start",
    summary: "run Mirage (the default command)",
    usage: "mirage start [--config FILE]",
    options: { ...configOption },
    async run(flags) {
      const { config, file } = await loadConfig({ file: resolveConfigFile(flags.config as string | undefined) });
      const logger = createLogger(config.logging.level, undefined, resolveLogFormat(config.logging.format, process.stdout.isTTY === true));
      if (file === undefined) logger.info("no config file; using defaults and MIRAGE_* environment variables");
      const registration = await ensureRegistration(config, logger);
      // A library's forgotten promise must not take the bridge down; it is logged instead.
      process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled promise rejection"));
      const { createApp } = await import("../app.js");
      const app = await createApp({ config, registration, logger });
      await app.start();
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          logger.info({ signal }, "shutting down");
          app.stop().then(resolve, (error: unknown) => {
            logger.error({ err: error }, "error during shutdown");
            resolve();
          });
        };
        process.once("SIGINT", () => shutdown("SIGINT"));
        process.once("SIGTERM", () => shutdown("SIGTERM"));
      });
      return 0;
    },
  },
  {
    name: "generate-registration",
    summary: "write a registration file for the homeserver, with fresh random tokens",
    usage: "mirage generate-registration --url URL [--domain DOMAIN] [--file registration.yaml] [--id mirage] [--force]",
    options: {
      url: { type: "string", description: "where the homeserver reaches Mirage's appservice listener (required)" },
      domain: { type: "string", description: "the homeserver's server name (default: homeserver.domain from the config)" },
      file: { type: "string", description: "output file (default: registration.yaml)" },
      id: { type: "string", description: "appservice id (default: mirage)" },
      force: { type: "boolean", description: "overwrite an existing file (its old tokens stop working)" },
      sample: { type: "boolean", description: "write placeholder tokens instead (for documentation only)" },
      ...configOption,
    },
    async run(flags) {
      const url = flags.url as string | undefined;
      if (!url || !/^https?:\/\/[^/]+/.test(url)) throw usageError("--url must be an http(s) URL, e.g. --url http://localhost:8090");
      let domain = flags.domain as string | undefined;
      if (domain === undefined) domain = (await loadConfig({ file: resolveConfigFile(flags.config as string | undefined) })).config.homeserver.domain;
      const file = (flags.file as string | undefined) ?? "registration.yaml";
      if (existsSync(file) && !flags.force) {
        throw usageError(`${file} exists; pass --force to replace it (the homeserver must then load the new file)`);
      }
      const reg = buildRegistration({ url, domain, ...(flags.id ? { id: flags.id as string } : {}), placeholderTokens: flags.sample === true });
      const header = flags.sample
        ? "# SAMPLE ONLY: placeholder tokens. Make a real one with:\n#   mirage generate-registration --url http://localhost:8090 --domain example.org\n"
        : "# Mirage appservice registration. Give this file to the homeserver (Synapse:\n# app_service_config_files) and keep it secret: it holds both tokens.\n";
      await writeRegistration(file, reg, header);
      process.stdout.write(`Wrote ${file} (id ${reg.id}, bot @${reg.sender_localpart}:${domain}, url ${url})\n`);
      return 0;
    },
  },
  {
    name: "check-config",
    summary: "validate the configuration and registration, printing every problem",
    usage: "mirage check-config [--config FILE]",
    options: { ...configOption },
    async run(flags) {
      const { config, file } = await loadConfig({ file: resolveConfigFile(flags.config as string | undefined) });
      const { preparePlugins } = await import("../plugins/preparePlugins.js");
      await preparePlugins(config.plugins);
      process.stdout.write(`${file ?? "defaults"}: configuration is valid\n`);
      if (existsSync(config.appservice.registration)) {
        await readRegistration(config.appservice.registration);
        process.stdout.write(`${config.appservice.registration}: registration is valid\n`);
      } else {
        process.stdout.write(`${config.appservice.registration}: not found; \`mirage start\` will create it\n`);
      }
      return 0;
    },
  },
];

class UsageError extends Error {}
function usageError(message: string): UsageError {
  return new UsageError(message);
}

/** Prints a failure for a person: problems by path for config errors, never a stack trace. */
export function reportCliError(error: unknown): number {
  if (error instanceof PartFailure) {
    // A part that failed for a known reason (store in use, bad config) needs no stack trace.
    const known = error.cause instanceof ConfigError || isMirageError(error.cause);
    process.stderr.write(`mirage: ${error.message}\n${known ? "" : `${(error.cause as Error)?.stack ?? ""}\n`}`);
    return 1;
  }
  if (error instanceof ConfigError || error instanceof UsageError || isMirageError(error)) {
    process.stderr.write(`mirage: ${error.message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
  process.stderr.write(`mirage: unexpected failure: ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}

export { VERSION };
