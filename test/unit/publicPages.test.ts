import { parseDocument, DomUtils } from "htmlparser2";
import { beforeAll, describe, expect, it } from "vitest";
import { people } from "../../src/platform/people/people.js";
import { asReactionTargetId, type AccountName } from "../../src/platform/ids.js";
import { apiHarness } from "../support/apiHarness.js";
import { createMarkdownRenderer, createProfileSanitizer, mediaUrlUnder, renderInline } from "../../src/platform/render/createMarkdownRenderer.js";

/** The harness's `api.publicUrl` (the default). */
const PUBLIC = "http://localhost:8080";

async function pages() {
  const run = renderInline(mediaUrlUnder(PUBLIC));
  const h = await apiHarness({ sanitizer: createProfileSanitizer(run), renderer: createMarkdownRenderer(run) });
  const app = h.app;
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await app.inject({ method: "GET", url, headers });
    return { status: res.statusCode, body: res.body, headers: res.headers, doc: parseDocument(res.body) };
  };
  return { h, get };
}

const alice = people.account("alice" as AccountName);
const bob = people.account("bob" as AccountName);
const texts = (doc: ReturnType<typeof parseDocument>, selector: (el: { name: string; attribs: Record<string, string> }) => boolean) =>
  DomUtils.findAll((el) => selector(el), doc.children).map((el) => DomUtils.textContent(el).trim());

describe("public pages", () => {
  let t: Awaited<ReturnType<typeof pages>>;
  beforeAll(async () => {
    t = await pages();
    await t.h.signUp("alice");
    await t.h.signUp("bob");
    await t.h.profiles.update(alice, { displayName: "Alice A.", bio: "I write.", customHtml: `<p style="color:red">hi</p>`, customCss: "p{font-weight:bold}" });
    await t.h.profiles.update(bob, { displayName: "Bob B." });
  });

  it("/ lists published posts of every blog newest first, never drafts, with older pages by cursor", async () => {
    await t.h.blogs.createPost(alice, "alice", { title: "Alice one", body: "first" });
    await t.h.blogs.createPost(bob, "bob", { title: "Bob draft", body: "secret", published: false });
    await t.h.blogs.createPost(bob, "bob", { title: "Bob one", body: "second" });
    const home = await t.get("/");
    expect(home.status).toBe(200);
    expect(home.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(home.headers["content-security-policy"]).toContain("script-src 'self'");
    const titles = texts(home.doc, (el) => el.name === "h3");
    expect(titles.slice(0, 2)).toEqual(["Bob one", "Alice one"]);
    expect(home.body).not.toContain("Bob draft");
    expect(home.body).toContain('href="/app/sign-up"');
    for (let i = 0; i < 21; i++) await t.h.blogs.createPost(alice, "alice", { title: `Filler ${i}`, body: "x" });
    const first = await t.get("/");
    const older = DomUtils.findOne((el) => el.name === "a" && el.attribs.rel === "next", first.doc.children)!;
    const second = await t.get(older.attribs.href!);
    expect(texts(second.doc, (el) => el.name === "h3")).toContain("Alice one");
    expect((await t.get("/?before=bm90IGEgY3Vyc29y")).status).toBe(404);
    const malformed = await t.get("/?before=not!a!cursor");
    expect(malformed.status).toBe(404);
    expect(malformed.headers["content-type"]).toBe("text/html; charset=utf-8");
  });

  it("/@owner shows the profile with its contained HTML and a fingerprinted stylesheet, and the blog's posts", async () => {
    const page = await t.get("/@alice");
    expect(page.status).toBe(200);
    expect(texts(page.doc, (el) => el.name === "h1")).toEqual(["Alice A."]);
    expect(page.body).not.toContain("style=");
    const container = DomUtils.findOne((el) => el.attribs.class === "mirage-profile", page.doc.children)!;
    expect(DomUtils.getOuterHTML(container)).toContain('data-mps="0"');
    const link = DomUtils.findAll((el) => el.name === "link" && el.attribs.rel === "stylesheet", page.doc.children).map((el) => el.attribs.href!);
    const css = link.find((href) => href.startsWith("/@alice/profile.css?v="))!;
    const sheet = await t.get(css);
    expect(sheet.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(sheet.headers["cache-control"]).toContain("immutable");
    expect(sheet.body).toContain(`.mirage-profile [data-mps="0"]{color:red !important}`);
    expect((await t.get("/@alice/profile.css?v=old")).headers["cache-control"]).toBe("no-cache");
    expect((await t.get("/@bob/profile.css")).status).toBe(404);
    expect(page.body).toContain(`<link rel="alternate" type="application/atom+xml"`);
    expect(page.body).toContain(`<link rel="canonical" href="${PUBLIC}/@alice">`);
  });

  it("answers 404 pages for unknown owners and posts, and redirects to the canonical owner", async () => {
    for (const url of ["/@nobody", "/@alice/no-such-post", "/@nobody/feed.atom", "/@@nobody:example.org"]) {
      const page = await t.get(url);
      expect(page.status, url).toBe(404);
      expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(texts(page.doc, (el) => el.name === "h1")).toEqual(["Not found"]);
    }
    const redirect = await t.get("/@ALICE?before=x");
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe("/@alice?before=x");
  });

  it("/@owner/slug shows the post, reactions, nested comments with names, and no deleted comment", async () => {
    const post = await t.h.blogs.createPost(alice, "alice", { title: "Threads", body: "body text" });
    const top = await t.h.comments.addComment(bob, post.id, { body: "top comment" });
    await t.h.comments.addComment(alice, post.id, { body: "a reply", parentId: top.id });
    const gone = await t.h.comments.addComment(bob, post.id, { body: "soon gone" });
    await t.h.comments.deleteComment(bob, gone.id);
    await t.h.reactions.add(bob, { kind: "post", id: asReactionTargetId(post.id) }, "👍");
    const page = await t.get(`/@alice/${post.slug}`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain("soon gone");
    const reply = DomUtils.findOne((el) => el.name === "ol" && el.attribs.class === "replies", page.doc.children)!;
    expect(DomUtils.textContent(reply)).toContain("a reply");
    expect(DomUtils.textContent(reply)).toContain("Alice A.");
    const outer = DomUtils.findOne((el) => el.name === "ol" && el.attribs.class === "comments", page.doc.children)!;
    expect(DomUtils.textContent(outer)).toContain("Bob B.");
    expect(texts(page.doc, (el) => el.attribs.class === "reaction")).toEqual(["👍 1"]);
    expect(page.body).toContain('property="og:type" content="article"');
    expect(page.body).toContain(`<link rel="canonical" href="${PUBLIC}/@alice/threads">`);
    const again = await t.get(`/@alice/${post.slug}`, { "if-none-match": page.headers.etag as string });
    expect(again.status).toBe(304);
  });

  it("/@owner/feed.atom is Atom with absolute links and published posts only", async () => {
    await t.h.blogs.createPost(alice, "alice", { title: "Draft in feed?", body: "no", published: false });
    const feed = await t.get("/@alice/feed.atom");
    expect(feed.status).toBe(200);
    expect(feed.headers["content-type"]).toBe("application/atom+xml; charset=utf-8");
    expect(feed.body).not.toContain("Draft in feed?");
    const doc = parseDocument(feed.body, { xmlMode: true });
    const links = DomUtils.findAll((el) => el.name === "link", doc.children).map((el) => el.attribs.href!);
    expect(links.every((href) => href.startsWith(`${PUBLIC}/@alice`))).toBe(true);
  });
});
