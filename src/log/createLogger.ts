import { pino, type Logger, type LevelWithSilent } from "pino";
import type { LogFormat } from "../config/configSchema.js";

export type { Logger };

/** `auto` means pretty for a person at a terminal, JSON lines for everything else. */
export function resolveLogFormat(format: LogFormat, stdoutIsTTY: boolean): "json" | "pretty" {
  if (format === "auto") return stdoutIsTTY ? "pretty" : "json";
  return format;
}

/**
 * The process logger on stdout: JSON lines, or with `format: "pretty"` human-readable lines
 * written by pino-pretty in pino's transport worker (colours only on a terminal). Tokens and
 * credentials are redacted by path before either format, as a second line of defence;
 * components log ids and counts, never message content. A `destination` always gets JSON.
 */
export function createLogger(level: LevelWithSilent = "info", destination?: pino.DestinationStream, format: "json" | "pretty" = "json"): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: "mirage" },
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        'res.headers["set-cookie"]',
        "req.query.access_token",
        "*.as_token",
        "*.hs_token",
        "*.password",
        "*.accessToken",
        "*.refreshToken",
      ],
      censor: "[redacted]",
    },
  };
  if (destination === undefined && format === "pretty") {
    const transport = pino.transport({
      target: "pino-pretty",
      options: { destination: 1, colorize: process.stdout.isTTY === true, translateTime: "SYS:yyyy-mm-dd HH:MM:ss.l", ignore: "pid,hostname,service" },
    }) as pino.DestinationStream;
    return pino(options, transport);
  }
  return pino(options, destination);
}
