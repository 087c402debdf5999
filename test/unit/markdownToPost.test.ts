import { describe, expect, it } from "vitest";
import { markdownToPost } from "../../src/bridge/convert/markdownToPost.js";

/* A Matrix message as a post: the first line is the title (plain text), the rest the Markdown body. */

describe("markdownToPost", () => {
  it("takes the first line as the title, without heading marks or escapes, and the rest as the body", () => {
    expect(markdownToPost("# My trip #\n\nIt was **fun**.\n\nReally.")).toEqual({ title: "My trip", body: "It was **fun**.\n\nReally." });
    expect(markdownToPost("\\# Not a heading \\*really\\*  \nbody")).toEqual({ title: "Not a heading *really*", body: "body" });
    expect(markdownToPost("### Three\r\n\r\n\r\nbody  ")).toEqual({ title: "Three", body: "body" });
    expect(markdownToPost("Title\n- a list\n- of things")).toEqual({ title: "Title", body: "- a list\n- of things" });
  });

  it("refuses a message without a title or without a body, saying how a post is written", () => {
    for (const text of ["Only a title", "Title\n\n   \n", "#\nbody", "   \nbody"]) {
      expect(() => markdownToPost(text)).toThrow(expect.objectContaining({ code: "INVALID_INPUT", message: expect.stringContaining("title on the first line") }));
    }
  });
});
