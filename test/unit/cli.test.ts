import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createServer } from "node:net";
import { Level } from "level";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { freePort } from "../e2e/harness/ports.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

async function mirage(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      cwd: root,
      env: { ...process.env, MIRAGE_CONFIG: "" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Each case starts several processes that load the Matrix SDKs; give them room on a busy machine.
describe("mirage CLI", { timeout: 60_000 }, () => {
  it("check-config prints the path of every problem and exits non-zero, without a stack trace", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-cli-"));
    const file = path.join(dir, "config.yaml");
    await writeFile(file, "homeserver:\n  url: not-a-url\napi:\n  port: 0\nbot:\n  displayname: typo\n");
    const result = await mirage("check-config", "--config", file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("homeserver.url: must be an http(s) URL");
    expect(result.stderr).toContain("api.port: must be a port number (1-65535)");
    expect(result.stderr).toContain("bot.displayname: unknown key");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("check-config accepts the sample", async () => {
    const result = await mirage("check-config", "--config", "config.sample.yaml");
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("configuration is valid");
    expect(result.code).toBe(0);
  });

  it("generate-registration writes a fresh registration and will not overwrite one without --force", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-cli-"));
    const file = path.join(dir, "registration.yaml");
    const first = await mirage("generate-registration", "--url", "http://127.0.0.1:9999", "--domain", "example.org", "--file", file);
    expect(first.code).toBe(0);
    const reg = parse(await readFile(file, "utf8")) as Record<string, unknown>;
    expect(reg).toMatchObject({ url: "http://127.0.0.1:9999", sender_localpart: "mirage", "org.matrix.msc3202": true });
    const again = await mirage("generate-registration", "--url", "http://127.0.0.1:9999", "--domain", "example.org", "--file", file);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--force");
    const forced = await mirage("generate-registration", "--url", "http://127.0.0.1:9999", "--domain", "example.org", "--file", file, "--force");
    expect(forced.code).toBe(0);
    expect((parse(await readFile(file, "utf8")) as { hs_token: string }).hs_token).not.toBe(reg.hs_token);
    expect((await mirage("generate-registration", "--domain", "x.org", "--file", file)).stderr).toContain("--url must be");
  });

  it("has --help on every command and rejects unknown flags", async () => {
    for (const command of ["start", "generate-registration", "check-config"]) {
      const help = await mirage(command, "--help");
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`usage: mirage ${command}`);
    }
    expect((await mirage("--help")).stdout).toContain("generate-registration");
    const bad = await mirage("check-config", "--nope");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--nope");
  });

  it("start names the part that could not start, frees what had started and exits non-zero", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-cli-"));
    const file = path.join(dir, "config.yaml");
    const taken = createServer();
    const apiPort = await freePort();
    await new Promise<void>((resolve) => taken.listen(apiPort, "127.0.0.1", resolve));
    const appservicePort = await freePort();
    await writeFile(
      file,
      [
        "homeserver: { url: 'http://127.0.0.1:9', domain: example.org }",
        `appservice: { registration: ${path.join(dir, "registration.yaml")}, port: ${appservicePort}, url: 'http://127.0.0.1:${appservicePort}' }`,
        `api: { port: ${apiPort} }`,
        `store: { path: ${path.join(dir, "store")} }`,
        "logging: { level: error }",
      ].join("\n"),
    );
    try {
      // Exits by itself: the appservice listener that had started is closed again. The kill is only a guard against a hang.
      const result = await mirageWithin(45_000, "start", "--config", file);
      expect(result.stderr).toMatch(/^mirage: could not start the api part: listen EADDRINUSE/m);
      expect(result.code).toBe(1);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("start says which part is blocked by a store in use, without a stack trace", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-cli-"));
    const file = path.join(dir, "config.yaml");
    const held = new Level(path.join(dir, "store"));
    await held.open();
    await writeFile(file, `store: { path: ${path.join(dir, "store")} }\nappservice: { registration: ${path.join(dir, "registration.yaml")} }\nlogging: { level: error }\n`);
    try {
      const result = await mirageWithin(45_000, "start", "--config", file);
      expect(result.stderr).toContain(`mirage: could not build the store part: store ${path.join(dir, "store")} is in use by another Mirage process`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.code).toBe(1);
    } finally {
      await held.close();
    }
  });
});

/** As `mirage`, killing the process if it has not exited after `ms` (a guard against a hang, not a speed limit). */
async function mirageWithin(ms: number, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      cwd: root,
      env: { ...process.env, MIRAGE_CONFIG: "" },
      timeout: ms,
      killSignal: "SIGKILL",
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number | null; killed?: boolean; stdout: string; stderr: string };
    return { code: e.killed ? null : e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
