import { threadId } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { PROFILE_LIMITS } from "../../src/platform/accounts/ProfileService.js";
import { BLOG_LIMITS } from "../../src/platform/blogs/contentRules.js";
import { createMarkdownRenderer, createProfileSanitizer, mediaUrlUnder, renderInline } from "../../src/platform/render/createMarkdownRenderer.js";
import { externalImageUrlUnder } from "../../src/platform/render/externalImageUrl.js";
import { RenderPool } from "../../src/workers/RenderPool.js";
import { externalImageKey } from "../../src/platform/media/externalImageKey.js";
import { profileForPage } from "../../src/web/pages/profileForPage.js";
import { apiHarness } from "../support/apiHarness.js";
import { XSS_CORPUS } from "./xssCorpus.js";

/* Editors' previews show what the web will show: the same renderers and sanitizers as saving, storing nothing. */

const PUBLIC_URL = "https://mirage.example";
const run = renderInline(mediaUrlUnder(PUBLIC_URL), externalImageUrlUnder(PUBLIC_URL, "k".repeat(43)));
const real = { renderer: createMarkdownRenderer(run), sanitizer: createProfileSanitizer(run) };

const MARKDOWN_SAMPLES = [
  "# Title\n\nSome *text*, `code`, a [link](https://example.org) and ![an image](https://example.org/a.png).",
  "> quoted\n\n- one\n- two\n\n```js\nalert(1)\n```",
  "![matrix image](mxc://example.org/abc123)",
  ...XSS_CORPUS.map((x) => x.payload.slice(0, BLOG_LIMITS.commentBodyChars)),
];

const pools: RenderPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe("POST /api/v1/previews/markdown", () => {
  it("answers exactly the HTML a post and a comment with that body are stored with", async () => {
    const h = await apiHarness(real);
    const alice = await h.signUp("alice");
    const target = (await h.json("POST", "/api/v1/blogs/alice/posts", { title: "t", body: "x" }, alice)).body;
    let compared = 0;
    for (const [i, body] of MARKDOWN_SAMPLES.entries()) {
      const preview = await h.json("POST", "/api/v1/previews/markdown", { body }, alice);
      const post = await h.json("POST", "/api/v1/blogs/alice/posts", { title: `p${i}`, body }, alice);
      // Bodies with control characters are refused alike.
      expect(preview.status, body).toBe(post.status === 201 ? 200 : post.status);
      if (post.status !== 201) continue;
      const comment = await h.json("POST", `/api/v1/posts/${target.id}/comments`, { body }, alice);
      expect(preview.body.html, body).toBe(post.body.html);
      expect(preview.body.html, body).toBe(comment.body.html);
      compared++;
    }
    expect(compared).toBeGreaterThan(MARKDOWN_SAMPLES.length - 5);
  });

  it("takes bodies up to a post's limit, blank ones too, and refuses longer ones", async () => {
    const h = await apiHarness(real);
    const alice = await h.signUp("alice");
    expect((await h.json("POST", "/api/v1/previews/markdown", { body: "" }, alice)).body).toEqual({ html: "" });
    expect((await h.json("POST", "/api/v1/previews/markdown", { body: "  \n" }, alice)).body).toEqual({ html: "" });
    const longest = await h.json("POST", "/api/v1/previews/markdown", { body: "a".repeat(BLOG_LIMITS.postBodyChars) }, alice);
    expect(longest.status).toBe(200);
    const over = await h.json("POST", "/api/v1/previews/markdown", { body: "a".repeat(BLOG_LIMITS.postBodyChars + 1) }, alice);
    expect(over).toMatchObject({ status: 400, body: { error: { code: "INVALID_INPUT" } } });
  });

  it("stores and publishes nothing", async () => {
    const h = await apiHarness(real);
    const alice = await h.signUp("alice");
    const before = h.published.length;
    expect((await h.json("POST", "/api/v1/previews/markdown", { body: "*draft*" }, alice)).status).toBe(200);
    expect(h.published.length).toBe(before);
    expect((await h.json("GET", "/api/v1/blogs/alice/posts", undefined, alice)).body.posts).toEqual([]);
  });
});

describe("POST /api/v1/me/profile/preview", () => {
  it("answers exactly what saving the same sources stores and the public profile shows", async () => {
    const h = await apiHarness(real);
    const alice = await h.signUp("alice");
    for (const { name, payload } of [
      { name: "plain", payload: '<div class="card" id="me"><p style="color: red">Hi</p></div>' },
      ...XSS_CORPUS,
    ]) {
      const sources = { bio: payload.slice(0, PROFILE_LIMITS.bio), customHtml: payload, customCss: `.card { color: blue } ${payload}`.slice(0, PROFILE_LIMITS.customCss) };
      const preview = await h.json("POST", "/api/v1/me/profile/preview", sources, alice);
      expect(preview.status, name).toBe(200);
      const saved = await h.json("PATCH", "/api/v1/me/profile", sources, alice);
      // As the profile page serves what was saved: style attributes in its stylesheet, images through Mirage's copy.
      const page = profileForPage(saved.body.customHtmlSanitized, saved.body.customCssSanitized, externalImageUrlUnder("", await externalImageKey(h.store.kv)));
      expect(preview.body, name).toEqual({ html: page.html, css: page.css, bioHtml: saved.body.bioHtml });
      const stylesheet = await h.app.inject({ url: "/@alice/profile.css" });
      if (page.css !== "") expect(stylesheet.body, name).toBe(page.css);
      const shown = (await h.json("GET", "/api/v1/users/alice")).body;
      expect(preview.body.bioHtml, name).toBe(shown.bioHtml);
    }
  });

  it("uses the saved source for each one left out, and stores nothing", async () => {
    const h = await apiHarness(real);
    const alice = await h.signUp("alice");
    const saved = (await h.json("PATCH", "/api/v1/me/profile", { bio: "*saved*", customHtml: "<b>saved</b>", customCss: ".a{color:red}" }, alice)).body;
    const before = h.published.length;
    const preview = (await h.json("POST", "/api/v1/me/profile/preview", { customHtml: "<i>new</i>" }, alice)).body;
    expect(preview).toEqual({ html: "<i>new</i>", css: saved.customCssSanitized, bioHtml: saved.bioHtml });
    // A style attribute moves into the stylesheet, as on the page.
    const styled = (await h.json("POST", "/api/v1/me/profile/preview", { customHtml: '<p style="color: red">x</p>' }, alice)).body;
    expect(styled.html).toBe('<p data-mps="0">x</p>');
    expect(styled.css).toContain('.mirage-profile [data-mps="0"]{color:red !important}');
    expect((await h.json("POST", "/api/v1/me/profile/preview", { bio: "" }, alice)).body.bioHtml).toBe("");
    expect(h.published.length).toBe(before);
    expect((await h.json("GET", "/api/v1/me/profile", undefined, alice)).body).toEqual(saved);
  });

  it("holds each source to the profile's own limit", async () => {
    const h = await apiHarness(real);
    const alice = await h.signUp("alice");
    for (const [field, max] of [["bio", PROFILE_LIMITS.bio], ["customHtml", PROFILE_LIMITS.customHtml], ["customCss", PROFILE_LIMITS.customCss]] as const) {
      expect((await h.json("POST", "/api/v1/me/profile/preview", { [field]: "a".repeat(max) }, alice)).status, field).toBe(200);
      expect((await h.json("POST", "/api/v1/me/profile/preview", { [field]: "a".repeat(max + 1) }, alice)).status, field).toBe(400);
    }
  });
});

describe("previews' budget and render threads", () => {
  it("counts previews like writes, by size, in a budget of their own: previewing never blocks a save", async () => {
    const h = await apiHarness({ ...real, writes: { perMinute: 1, burst: 3, charsPerWrite: 1000 } });
    const alice = await h.signUp("alice");
    // A 2000-character preview costs 1 + 2000/1000 = 3 writes: the whole burst.
    expect((await h.json("POST", "/api/v1/previews/markdown", { body: "a".repeat(2000) }, alice)).status).toBe(200);
    const refused = await h.json("POST", "/api/v1/me/profile/preview", { bio: "b" }, alice);
    expect(refused).toMatchObject({ status: 429, body: { error: { code: "RATE_LIMITED" } } });
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    // The budget for changes is untouched.
    expect((await h.json("PATCH", "/api/v1/me/profile", { bio: "b" }, alice)).status).toBe(200);
    expect((await h.json("POST", "/api/v1/blogs/alice/posts", { title: "t", body: "b" }, alice)).status).toBe(201);
  });

  it("renders on the render pool's threads, as saving does", async () => {
    const pool = new RenderPool({
      threads: 1,
      maxQueue: 8,
      documentTimeLimitMs: 60_000,
      inlineBelowChars: 0,
      publicUrl: PUBLIC_URL,
      workerUrl: new URL("../support/gatedRenderWorker.ts", import.meta.url),
      workerData: { gate: new SharedArrayBuffer(4) },
    });
    pools.push(pool);
    const h = await apiHarness({ renderer: createMarkdownRenderer(pool.run), sanitizer: createProfileSanitizer(pool.run) });
    const alice = await h.signUp("alice");
    // The test worker answers a `thread…` document with the id of the thread that took it.
    const markdown = (await h.json("POST", "/api/v1/previews/markdown", { body: "thread" }, alice)).body.html;
    const profile = (await h.json("POST", "/api/v1/me/profile/preview", { bio: "thread", customHtml: "thread", customCss: "thread" }, alice)).body;
    for (const id of [markdown, profile.html, profile.css, profile.bioHtml]) {
      expect(id).toMatch(/^\d+$/);
      expect(id).not.toBe(String(threadId));
    }
  });
});
