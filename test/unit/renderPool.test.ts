import { threadId } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { MirageError } from "../../src/platform/errors/MirageError.js";
import { createMarkdownRenderer, createProfileSanitizer, mediaUrlUnder } from "../../src/platform/render/createMarkdownRenderer.js";
import { renderDocument, type RenderTask } from "../../src/platform/render/renderDocument.js";
import { RenderPool, type RenderPoolOptions } from "../../src/workers/RenderPool.js";
import { apiHarness } from "../support/apiHarness.js";
import { HOSTILE_MARKDOWN } from "../support/hostileInputs.js";

const PUBLIC_URL = "https://mirage.example";
const GATED_WORKER = new URL("../support/gatedRenderWorker.ts", import.meta.url);
const pools: RenderPool[] = [];

function pool(options: Partial<RenderPoolOptions> = {}): RenderPool {
  const made = new RenderPool({ threads: 1, maxQueue: 8, documentTimeLimitMs: 60_000, inlineBelowChars: 0, publicUrl: PUBLIC_URL, ...options });
  pools.push(made);
  return made;
}

/** A pool on the test thread module, with a gate its `gate…` documents wait on until `open()`. */
function gatedPool(options: Partial<RenderPoolOptions> = {}) {
  const gate = new SharedArrayBuffer(4);
  const open = () => {
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
  };
  return { pool: pool({ workerUrl: GATED_WORKER, workerData: { gate }, ...options }), open };
}

/** Waits for a condition, polling on timers (so the event loop must be free for it to ever hold). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function rejection(promise: Promise<unknown>): Promise<MirageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MirageError);
  return error as MirageError;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe("RenderPool", { timeout: 60_000 }, () => {
  it("renders on a worker thread exactly what the renderers give inline, for every kind of document", async () => {
    const p = pool();
    const mediaUrl = mediaUrlUnder(PUBLIC_URL);
    const docs: RenderTask[] = [
      { kind: "web", text: "# Title\n\nSome *text* with ![an image](mxc://example.org/abc) and [a link](https://example.org)." },
      { kind: "matrix", text: "**bold** and `code` and ![img](https://example.org/x.png)" },
      { kind: "profileHtml", text: '<div class="card" onclick="x()"><img src="https://example.org/a.png" onerror="x()"></div>' },
      { kind: "profileCss", text: ".card { color: red; position: fixed }" },
      ...HOSTILE_MARKDOWN.slice(0, 3).map(([, text]) => ({ kind: "web" as const, text })),
    ];
    for (const task of docs) expect(await p.render(task)).toBe(renderDocument(task, mediaUrl));
  });

  it("keeps domain errors typed across the thread boundary", async () => {
    const error = await rejection(pool().render({ kind: "web", text: "a".repeat(100_001) }));
    expect(error.code).toBe("INVALID_INPUT");
    expect(error.details).toEqual({ maxChars: 100_000 });
  });

  it("leaves the event loop free while a document renders: other requests are answered meanwhile", async () => {
    const { pool: p, open } = gatedPool();
    const h = await apiHarness({ renderer: createMarkdownRenderer(p.run) });
    const alice = await h.signUp("alice");
    const room = (await h.json("POST", "/api/v1/rooms", { name: "r" }, alice)).body;
    let posted: { status: number; body: any } | undefined;
    const sending = h.json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "gate *then* text" }, alice).then((r) => (posted = r));
    // The document reaches a thread, which holds it until the gate opens; meanwhile the server keeps answering.
    await until(() => p.rendering === 1);
    expect((await h.json("GET", "/health")).status).toBe(200);
    expect((await h.json("GET", "/api/v1/users/alice")).status).toBe(200);
    expect((await h.json("GET", `/api/v1/rooms/${room.id}/messages?limit=5`, undefined, alice)).body.messages).toEqual([]);
    expect(p.rendering).toBe(1);
    expect(posted).toBeUndefined();
    open();
    await sending;
    expect(posted).toMatchObject({ status: 201, body: { html: "<p>gate <em>then</em> text</p>" } });
  });

  it("refuses a document over the time limit with CONTENT_TOO_COMPLEX and replaces the thread that worked on it", async () => {
    const lines: string[] = [];
    const logger = createLogger("warn", { write: (line: string) => void lines.push(line) });
    // Generous: the limit must only ever catch the spinning document, also on a loaded machine.
    const p = pool({ workerUrl: GATED_WORKER, documentTimeLimitMs: 2000, logger });
    const before = await p.render({ kind: "web", text: "thread" });
    const error = await rejection(p.render({ kind: "web", text: "spin, secret words" }));
    expect(error.code).toBe("CONTENT_TOO_COMPLEX");
    // One warning with the document's kind and size, never its text.
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([{ level: 40, kind: "web", chars: 18, timeLimitMs: 2000 }]);
    expect(lines.join("")).not.toContain("secret");
    const after = await p.render({ kind: "web", text: "thread" });
    expect(after).not.toBe(before);
    expect(p.threads).toBe(1);
    // And the pool renders normally afterwards.
    expect(await p.render({ kind: "web", text: "*fine*" })).toBe("<p><em>fine</em></p>");
  });

  it("answers 422 CONTENT_TOO_COMPLEX through the API", async () => {
    const p = pool({ workerUrl: GATED_WORKER, documentTimeLimitMs: 200 });
    const h = await apiHarness({ renderer: createMarkdownRenderer(p.run) });
    const alice = await h.signUp("alice");
    const res = await h.json("POST", "/api/v1/blogs/alice/posts", { title: "t", body: "spin forever" }, alice);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("CONTENT_TOO_COMPLEX");
    expect((await h.json("GET", "/api/v1/blogs/alice/posts", undefined, alice)).body.posts).toEqual([]);
  });

  it("bounds the queue: past it, OVERLOADED (503 with Retry-After) at once, and the queued documents still render", async () => {
    const { pool: p, open } = gatedPool({ maxQueue: 2 });
    const h = await apiHarness({ renderer: createMarkdownRenderer(p.run), sanitizer: createProfileSanitizer(p.run) });
    const alice = await h.signUp("alice");
    const running = p.render({ kind: "web", text: "gate 1" });
    const queued = [p.render({ kind: "web", text: "gate 2" }), p.render({ kind: "web", text: "gate 3" })];
    const error = await rejection(p.render({ kind: "web", text: "gate 4" }));
    expect(error.code).toBe("OVERLOADED");
    const res = await h.json("PATCH", "/api/v1/me/profile", { bio: "gate bio" }, alice);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("OVERLOADED");
    expect(res.headers["retry-after"]).toBe("1");
    open();
    expect(await Promise.all([running, ...queued])).toEqual(["<p>gate 1</p>", "<p>gate 2</p>", "<p>gate 3</p>"]);
  });

  it("renders documents shorter than inlineBelowChars on the calling thread", async () => {
    const p = pool({ workerUrl: GATED_WORKER, inlineBelowChars: 100 });
    // A worker would answer its own thread id; inline, the text is simply rendered.
    expect(await p.render({ kind: "web", text: "thread" })).toBe("<p>thread</p>");
    const onWorker = await p.render({ kind: "web", text: "thread" + " ".repeat(100) });
    expect(onWorker).toMatch(/^\d+$/);
    expect(onWorker).not.toBe(String(threadId));
  });

  it("documents 422 and 503 on exactly the routes that render text", async () => {
    const h = await apiHarness();
    const spec = (await h.app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
    };
    const rendering = [
      "post /api/v1/rooms/{roomId}/messages",
      "patch /api/v1/messages/{messageId}",
      "post /api/v1/blogs/{owner}/posts",
      "patch /api/v1/posts/{postId}",
      "post /api/v1/posts/{postId}/comments",
      "patch /api/v1/comments/{commentId}",
      "patch /api/v1/me/profile",
      "post /api/v1/previews/markdown",
      "post /api/v1/me/profile/preview",
    ];
    const documented = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.entries(ops).filter(([, op]) => "422" in op.responses && "503" in op.responses).map(([method]) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(rendering.sort());
    const post = spec.paths["/api/v1/blogs/{owner}/posts"]!.post!.responses;
    expect(post["422"]!.description).toContain("CONTENT_TOO_COMPLEX");
    expect(post["503"]!.description).toContain("OVERLOADED");
    expect(post["429"]!.description).toContain("writeCostChars");
  });

  it("refuses work once closed", async () => {
    const p = pool();
    await p.close();
    expect((await rejection(p.render({ kind: "web", text: "x" }))).code).toBe("OVERLOADED");
  });
});
