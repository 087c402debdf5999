import { parseDocument, DomUtils } from "htmlparser2";
import { describe, expect, it } from "vitest";
import { blogUrl, postUrl } from "../../src/bridge/convert/postToMatrix.js";
import { atomFeed, xmlText } from "../../src/web/pages/atomFeed.js";
import { pageUrls } from "../../src/web/pages/pageUrls.js";

const base = "https://mirage.example.org/";
const entry = {
  id: "p_1",
  title: `Tom & "Jerry" <script>`,
  slug: "tom-jerry",
  authorName: "Al\u0001ice",
  html: `<p>a &amp; b <img src="https://mirage.example.org/media/x/y"></p>`,
  publishedAt: Date.UTC(2026, 0, 2),
  updatedAt: Date.UTC(2026, 0, 3),
};

describe("atomFeed", () => {
  it("writes Atom with absolute links, escaped text and HTML content, and no characters XML forbids", () => {
    const xml = atomFeed({ owner: "@bob:example.org", ownerName: "Bob", title: "Bob's blog", description: "", entries: [entry], urls: pageUrls(base), publicUrl: base, updatedAt: 0 });
    expect(xml).not.toMatch(/[\u0000-\u0008]/);
    expect(xml).not.toContain("<script>");
    const doc = parseDocument(xml, { xmlMode: true });
    const feed = DomUtils.findOne((el) => el.name === "feed", doc.children)!;
    expect(feed.attribs.xmlns).toBe("http://www.w3.org/2005/Atom");
    const text = (name: string, root = feed) => DomUtils.textContent(DomUtils.findOne((el) => el.name === name, root.children, true)!);
    expect(text("title")).toBe("Bob's blog");
    expect(text("updated")).toBe("2026-01-03T00:00:00.000Z");
    const e = DomUtils.findOne((el) => el.name === "entry", feed.children)!;
    expect(text("title", e)).toBe(`Tom & "Jerry" <script>`);
    expect(text("content", e)).toBe(entry.html);
    expect(text("id", e)).toBe("https://mirage.example.org/api/v1/posts/p_1");
    const link = DomUtils.findOne((el) => el.name === "link", e.children)!;
    expect(link.attribs.href).toBe("https://mirage.example.org/@@bob:example.org/tom-jerry");
    expect(text("name", e)).toBe("Alice");
  });

  it("escapes all five XML specials", () => {
    expect(xmlText(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
  });
});

describe("pageUrls", () => {
  it("are the addresses Mirage already writes into Matrix", () => {
    for (const owner of ["alice", "@bob:example.org", "@weird/name:example.org"]) {
      expect(pageUrls(base).blog(owner)).toBe(blogUrl(base, owner));
      expect(pageUrls(base).post(owner, "a-post")).toBe(postUrl(base, owner, "a-post"));
    }
    expect(pageUrls("").blog("@bob:example.org")).toBe("/@@bob:example.org");
  });
});
