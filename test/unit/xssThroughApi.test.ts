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
    const check = (where: string, html: unknown) => {
      for (const problem of markupProblems(String(html))) findings.push(`${where}: ${problem}`);
    };
    for (const { name, payload } of XSS_CORPUS) {
      const body = payload.slice(0, 20_000);
      const message = await h.json("POST", `/api/v1/rooms/${room.id}/messages`, { body }, alice);
      if (message.status === 201) check(`message ${name}`, message.body.html);
      const created = await h.json("POST", "/api/v1/blogs/alice/posts", { title: `p ${name}`.slice(0, 200), body, published: true }, alice);
      if (created.status === 201) check(`post ${name}`, created.body.html);
      const comment = await h.json("POST", `/api/v1/posts/${post.id}/comments`, { body }, alice);
      if (comment.status === 201) check(`comment ${name}`, comment.body.html);
      const profile = await h.json("PATCH", "/api/v1/me/profile", { bio: body.slice(0, 10_000), customHtml: body, customCss: body }, alice);
      expect(profile.status, name).toBe(200);
      const pub = (await h.json("GET", "/api/v1/users/alice")).body;
      check(`bio ${name}`, pub.bioHtml);
      check(`profile html ${name}`, pub.customHtml);
      for (const problem of cssProblems(pub.customCss)) findings.push(`profile css ${name}: ${problem}`);
    }
    expect(findings).toEqual([]);
    // The corpus really went through: messages exist in the room.
    expect((await h.json("GET", `/api/v1/rooms/${room.id}/messages?limit=5`, undefined, alice)).body.messages).toHaveLength(5);
  });
});
