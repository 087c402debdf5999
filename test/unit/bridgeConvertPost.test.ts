import { describe, expect, it } from "vitest";
import { blogUrl, postToMatrix, postUrl } from "../../src/bridge/convert/postToMatrix.js";

/* A post as its Matrix event, and the web addresses it links to. */

describe("postToMatrix", () => {
  it("puts title, Markdown and link in body; heading, rendered HTML and link in formatted_body; the post's facts in org.mirage.post", () => {
    const url = "https://blog.example/@alice/hello";
    const content = postToMatrix({ id: "p_1", blog: "alice", title: "A & B", slug: "hello", body: "# Part\n\ntext" }, "<h1>Part</h1><p>text</p>", url);
    expect(content).toEqual({
      msgtype: "m.text",
      body: `A & B\n\n# Part\n\ntext\n\n${url}`,
      format: "org.matrix.custom.html",
      formatted_body: `<h1>A &#38; B</h1><h1>Part</h1><p>text</p><p><a href="${url}">${url}</a></p>`,
      "org.mirage.post": { id: "p_1", blog: "alice", slug: "hello", url },
      "m.mentions": {},
    });
  });

  it("escapes what the title and address could smuggle into HTML", () => {
    const content = postToMatrix({ id: "p_1", blog: "alice", title: `<img src=x onerror="y">`, slug: "s", body: "" }, "", `https://x.example/"><script>`);
    expect(content.formatted_body).not.toMatch(/<img|<script|"></);
  });
});

describe("post and blog addresses", () => {
  it("are /@<owner>/<slug> under the public URL, a Matrix owner's ID readable, anything else encoded", () => {
    expect(postUrl("https://blog.example/", "alice", "hello-world")).toBe("https://blog.example/@alice/hello-world");
    expect(postUrl("https://blog.example", "@bob:example.org", "x")).toBe("https://blog.example/@@bob:example.org/x");
    expect(postUrl("https://blog.example/base/", "@b/b:example.org", "a?b#c")).toBe("https://blog.example/base/@@b%2Fb:example.org/a%3Fb%23c");
    expect(blogUrl("https://blog.example//", "alice")).toBe("https://blog.example/@alice");
  });
});
