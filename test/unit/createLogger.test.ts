import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/loadConfig.js";
import { resolveLogFormat } from "../../src/log/createLogger.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

/** Logs two lines with the real logger in a child process and returns its stdout (a pipe, not a terminal). */
async function logWith(format: "json" | "pretty"): Promise<string> {
  const script = `
    import { createLogger } from "./src/log/createLogger.ts";
    const log = createLogger("info", undefined, ${JSON.stringify(format)}).child({ component: "api" });
    log.info({ roomCount: 3, session: { accessToken: "secret-token" } }, "started");
    log.warn("homeserver unreachable");
  `;
  const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root });
  return stdout;
}

describe("log format", () => {
  it("auto is pretty on a terminal and JSON otherwise; json and pretty are what they say", () => {
    expect(resolveLogFormat("auto", true)).toBe("pretty");
    expect(resolveLogFormat("auto", false)).toBe("json");
    expect(resolveLogFormat("json", true)).toBe("json");
    expect(resolveLogFormat("pretty", false)).toBe("pretty");
  });

  it("pretty prints human-readable lines with level names and times, still redacting tokens", { timeout: 30_000 }, async () => {
    const out = await logWith("pretty");
    const lines = out.split("\n").filter((l) => l.trim() !== "");
    expect(lines[0]).toMatch(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\] INFO: started$/);
    expect(out).toMatch(/^\s+component: "api"$/m);
    expect(out).toMatch(/^\s+roomCount: 3$/m);
    expect(out).toMatch(/WARN: homeserver unreachable/);
    expect(out).not.toContain("secret-token");
    expect(out).not.toMatch(/"level":\s*\d/);
    // Not a terminal: no colour escapes.
    expect(out).not.toContain("\u001b[");
  });

  it("json prints one JSON object per line", { timeout: 30_000 }, async () => {
    const lines = (await logWith("json")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.level, l.msg, l.component])).toEqual([
      [30, "started", "api"],
      [40, "homeserver unreachable", "api"],
    ]);
    expect(lines[0]!.session).toEqual({ accessToken: "[redacted]" });
  });

  it("logging.format is part of the config, auto by default", async () => {
    expect((await loadConfig({ env: {} })).config.logging.format).toBe("auto");
    expect((await loadConfig({ env: { MIRAGE_LOGGING_FORMAT: "pretty" } })).config.logging.format).toBe("pretty");
    await expect(loadConfig({ env: { MIRAGE_LOGGING_FORMAT: "colour" } })).rejects.toThrow(/logging\.format: must be one of auto, json, pretty/);
  });
});
