import { describe, expect, it } from "vitest";
import { createProfileSanitizer, mediaUrlUnder, renderInline } from "../../src/platform/render/createMarkdownRenderer.js";
import { createMarkdownRenderer } from "../../src/platform/render/createMarkdownRenderer.js";
import { apiHarness } from "../support/apiHarness.js";
import { cssProblems, markupProblems } from "../support/markupProblems.js";
import { XSS_CORPUS } from "./xssCorpus.js";

const mediaUrl = mediaUrlUnder("https://mirage.example");

describe("the XSS corpus through every write route, with the real renderers", () => {
  it("messages, posts, comments and profiles store and return no script-capable markup", async () => {
    const h = await apiHarness({ renderer: createMarkdownRenderer(renderInline(mediaUrl)), sanitizer: createProfileSanitizer(renderInline(mediaUrl)) });
    const alice = await h.signUp("alice");
    const room = (await h.json("POST", "/api/v1/rooms", { name: "xss" }, alice)).body;
    const post = (await h.json("POST", "/api/v1/blogs/alice/posts", { title: "xss", body: "x", published: true }, alice)).body;
    const findings: string[] = [];
    // How many outputs each route had checked: an empty corpus or a skipped route must fail.
    const checked = { message: 0, post: 0, comment: 0, bio: 0, profileHtml: 0, profileCss: 0 };
    const check = (route: keyof typeof checked, name: string, html: unknown) => {
      expect(typeof html, `${route} ${name}`).toBe("string");
      checked[route]++;
      for (const problem of markupProblems(String(html))) findings.push(`${route} ${name}: ${problem}`);
    };
    // Writes refused by validation, with their code; anything else must be created.
    const refused: string[] = [];
    const accepted = (route: string, name: string, res: { status: number; body: { error?: { code: string } } }) => {
      if (res.status === 201) return true;
      refused.push(`${route} ${name}: ${res.status} ${res.body.error?.code}`);
      return false;
    };
    for (const { name, payload } of XSS_CORPUS) {
      const body = payload.slice(0, 20_000);
      const message = await h.json("POST", `/api/v1/rooms/${room.id}/messages`, { body }, alice);
      if (accepted("message", name, message)) check("message", name, message.body.html);
      const created = await h.json("POST", "/api/v1/blogs/alice/posts", { title: `p ${name}`.slice(0, 200), body, published: true }, alice);
      if (accepted("post", name, created)) check("post", name, created.body.html);
      const comment = await h.json("POST", `/api/v1/posts/${post.id}/comments`, { body }, alice);
      if (accepted("comment", name, comment)) check("comment", name, comment.body.html);
      const profile = await h.json("PATCH", "/api/v1/me/profile", { bio: body.slice(0, 10_000), customHtml: body, customCss: body }, alice);
      expect(profile.status, name).toBe(200);
      const pub = (await h.json("GET", "/api/v1/users/alice")).body;
      check("bio", name, pub.bioHtml);
      check("profileHtml", name, pub.customHtml);
      expect(typeof pub.customCss, `profile css ${name}`).toBe("string");
      checked.profileCss++;
      for (const problem of cssProblems(pub.customCss)) findings.push(`profile css ${name}: ${problem}`);
    }
    expect(findings).toEqual([]);
    expect(XSS_CORPUS.length).toBeGreaterThanOrEqual(60);
    // Posts and comments refuse control characters in their body; every other write goes through.
    expect(refused).toEqual([
      "post script with NUL: 400 INVALID_INPUT",
      "comment script with NUL: 400 INVALID_INPUT",
      "post a javascript control prefix: 400 INVALID_INPUT",
      "comment a javascript control prefix: 400 INVALID_INPUT",
    ]);
    const n = XSS_CORPUS.length;
    expect(checked).toEqual({ message: n, post: n - 2, comment: n - 2, bio: n, profileHtml: n, profileCss: n });
    // The corpus really went through: messages exist in the room.
    expect((await h.json("GET", `/api/v1/rooms/${room.id}/messages?limit=5`, undefined, alice)).body.messages).toHaveLength(5);
    // About 1,200 requests: the timeout only guards against a hang on a loaded machine.
  }, 120_000);
});
