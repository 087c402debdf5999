import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { freePort } from "../e2e/harness/ports.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Polls `fn` until it returns a value (a condition, not a delay); the test's timeout bounds it. */
async function until<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts Mirage as `args` (after `node`), signs up, posts a document long enough for a render
 * thread and one over the size limit, then stops it with SIGTERM.
 */
async function startPostAndStop(args: string[]): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "mirage-threads-"));
  const [apiPort, appservicePort] = [await freePort(), await freePort()];
  const api = `http://127.0.0.1:${apiPort}`;
  await writeFile(
    path.join(dir, "config.yaml"),
    stringify({
      homeserver: { url: "http://127.0.0.1:9", domain: "test.example" },
      appservice: { registration: path.join(dir, "registration.yaml"), port: appservicePort, url: `http://127.0.0.1:${appservicePort}` },
      api: { port: apiPort, publicUrl: api },
      store: { path: path.join(dir, "store") },
      render: { threads: 1, inlineBelowChars: 16 },
      logging: { level: "warn" },
    }),
  );
  const child = spawn(process.execPath, [...args, "start", "--config", path.join(dir, "config.yaml")], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, MIRAGE_CONFIG: "" },
  });
  const output: string[] = [];
  child.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = once(child, "exit");
  try {
    const post = (url: string, body: unknown, token?: string) =>
      fetch(`${api}${url}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    const signUp = await until(async () => {
      const res = await post("/api/v1/accounts", { username: "alice", password: "correct horse battery" });
      return res.status === 201 ? ((await res.json()) as { accessToken: string }) : undefined;
    });
    const body = `${"Some *emphasis* and **strong** text. ".repeat(20)}![pic](mxc://example.org/abc)`;
    const created = await post("/api/v1/blogs/alice/posts", { title: "Threads", body }, signUp.accessToken);
    expect(created.status, output.join("")).toBe(201);
    const html = ((await created.json()) as { html: string }).html;
    expect(html).toContain("<em>emphasis</em>");
    expect(html).toContain(`src="${api}/media/example.org/abc"`);
    const tooLong = await post("/api/v1/blogs/alice/posts", { title: "Long", body: "a".repeat(100_001) }, signUp.accessToken);
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: { code: string } }).error.code).toBe("INVALID_INPUT");
  } finally {
    child.kill("SIGTERM");
  }
  // The app stops, render threads included, without an error.
  const [code] = await exited;
  expect(code, output.join("")).toBe(0);
  expect(output.join("")).not.toMatch(/error during shutdown/);
}

describe("render threads in a running Mirage", { timeout: 240_000 }, () => {
  // `npm start` runs the compiled JavaScript, whose threads load dist/src/workers/renderWorker.js.
  it("work in the built app (npm run build, then node dist/src/cli/main.js start)", async () => {
    await promisify(execFile)(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root });
    await startPostAndStop(["dist/src/cli/main.js"]);
  });

  // The end-to-end harness and development runs use tsx; the threads then load the TypeScript worker.
  it("work from the sources under tsx (node --import tsx src/cli/main.ts start)", async () => {
    await startPostAndStop(["--import", "tsx", "src/cli/main.ts"]);
  });
});
