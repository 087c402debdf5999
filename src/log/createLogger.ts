import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

/**
 * The process logger: JSON lines on stdout. Tokens and credentials are redacted by path
 * as a second line of defence; components log ids and counts, never message content.
 */
export function createLogger(level: LevelWithSilent = "info", destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "mirage" },
      redact: {
        paths: [
          "req.headers.authorization",
          "req.query.access_token",
          "*.as_token",
          "*.hs_token",
          "*.password",
          "*.accessToken",
          "*.refreshToken",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
