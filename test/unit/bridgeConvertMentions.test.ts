import { describe, expect, it } from "vitest";
import { findMentions } from "../../src/bridge/convert/findMentions.js";
import { mentionTargets } from "../../src/bridge/convert/mentionTargets.js";
import { messageToMatrix } from "../../src/bridge/convert/messageToMatrix.js";
import { pillifyMentions } from "../../src/bridge/convert/pillifyMentions.js";
import { ROOM_MENTION } from "../../src/bridge/convert/scanMentions.js";
import { renderMatrixHtml } from "../../src/platform/render/renderMatrixHtml.js";

const ghost = (handle: string) => (handle.startsWith("@") ? handle : `@mirage_${handle}:example.org`);
const pill = (userId: string, text: string) => `<a href="https://matrix.to/#/${userId}">${text}</a>`;

describe("findMentions", () => {
  it("finds accounts, Matrix users and @room in order, once each", () => {
    expect(findMentions("@alice hi @bob:example.org, and @alice again; @carol:matrix.example.org:8448. @room")).toEqual([
      "alice",
      "@bob:example.org",
      "@carol:matrix.example.org:8448",
      ROOM_MENTION,
    ]);
    expect(findMentions("(@dave) **@eve** *@frank*\n- @gina\n> @hank\n\n| @ivan | x |\n|-|-|\n| @judy | y |\n\n# @kim")).toEqual(["dave", "eve", "frank", "gina", "hank", "ivan", "judy", "kim"]);
  });

  it("ends a handle before sentence punctuation and needs the lowercase handle grammar", () => {
    expect(findMentions("thanks @alice. and @bob_, @carl-")).toEqual(["alice", "bob", "carl"]);
    expect(findMentions("@Alice @x @alice9X @" + "a".repeat(40))).toEqual([]);
  });

  it("ignores code, links, escapes, addresses and URLs", () => {
    expect(findMentions("`@alice` and\n\n```\n@bob\n```\n\n    @carol indented code\n\n[@dave](https://x.org) <https://x.org/@erin> https://x.org/@fay \\@gus mail@hal.org a@ivy")).toEqual([]);
  });

  it("searches input the platform renders as plain text as such, and nothing over the size cap", () => {
    expect(findMentions(`${"> ".repeat(40)}@alice`)).toEqual(["alice"]);
    expect(findMentions(`@alice ${"x".repeat(100_000)}`)).toEqual([]);
  });
});

describe("pillifyMentions", () => {
  it("turns the rendered text of mentions into pills, keeping the rest byte for byte", () => {
    const markdown = "hi @alice and @bob:example.org! `@alice` [@alice](https://x.org) @room @nobody";
    const handles = findMentions(markdown);
    const { pills, userIds, room } = mentionTargets(handles, (h) => (h === "nobody" ? undefined : ghost(h)), true);
    expect(userIds).toEqual(["@mirage_alice:example.org", "@bob:example.org"]);
    expect(room).toBe(true);
    const html = renderMatrixHtml(markdown).html;
    expect(pillifyMentions(html, pills)).toBe(
      `hi ${pill("@mirage_alice:example.org", "@alice")} and ${pill("@bob:example.org", "@bob:example.org")}! <code>@alice</code> <a href="https://x.org/">@alice</a> @room @nobody`,
    );
  });

  it("does not touch code blocks, nested code or links, and handles entities around mentions", () => {
    const html = "<pre><code>@alice</code></pre><p><a href=\"https://x.org\"><b>@alice</b></a> &amp;@alice &lt;@alice&gt;</p>";
    expect(pillifyMentions(html, new Map([["alice", "@mirage_alice:example.org"]]))).toBe(
      `<pre><code>@alice</code></pre><p><a href="https://x.org"><b>@alice</b></a> &amp;${pill("@mirage_alice:example.org", "@alice")} &lt;${pill("@mirage_alice:example.org", "@alice")}&gt;</p>`,
    );
  });

  it("escapes the user ID in the pill's href", () => {
    expect(pillifyMentions("@bob:example.org", new Map([["@bob:example.org", '@b"ob:example.org']]))).toBe(pill("@b&#34;ob:example.org", "@bob:example.org"));
  });
});

describe("mentionTargets and messageToMatrix", () => {
  it("mentions the room only when allowed, and each user once", () => {
    expect(mentionTargets(["@room", "alice", "@mirage_alice:example.org"], ghost, false)).toEqual({
      pills: new Map([["alice", "@mirage_alice:example.org"], ["@mirage_alice:example.org", "@mirage_alice:example.org"]]),
      userIds: ["@mirage_alice:example.org"],
      room: false,
    });
  });

  it("builds m.room.message content with m.mentions", () => {
    expect(messageToMatrix({ body: "hi @alice @room", kind: "notice" }, "hi <a>@alice</a> @room", ["@mirage_alice:example.org", "@mirage_alice:example.org"], { room: true })).toEqual({
      msgtype: "m.notice",
      body: "hi @alice @room",
      format: "org.matrix.custom.html",
      formatted_body: "hi <a>@alice</a> @room",
      "m.mentions": { user_ids: ["@mirage_alice:example.org"], room: true },
    });
    expect(messageToMatrix({ body: "x" }, "x", [])["m.mentions"]).toEqual({});
    expect(messageToMatrix({ body: "x", kind: "emote" }, "x", [])["msgtype"]).toBe("m.emote");
  });
});
