import { describe, expect, it } from "vitest";
import { membershipReached } from "../../src/matrix/membershipReached.js";
import { editContent, reactionContent, redactionContent, redactsInContent, replyContent, threadContent, withRelation } from "../../src/matrix/relationContent.js";

const text = { msgtype: "m.text", body: "hi", format: "org.matrix.custom.html", formatted_body: "<b>hi</b>" };

describe("relation shapes", () => {
  it("a reply is m.in_reply_to alone, with no rel_type and no quoted fallback, replacing any relation the content had", () => {
    expect(replyContent({ ...text, "m.relates_to": { rel_type: "m.thread", event_id: "$x" } }, "$t")).toEqual({
      ...text,
      "m.relates_to": { "m.in_reply_to": { event_id: "$t" } },
    });
  });

  it("a thread message falls back to the latest thread event (or the root); an in-thread reply does not fall back", () => {
    expect(threadContent(text, "$root")["m.relates_to"]).toEqual({ rel_type: "m.thread", event_id: "$root", is_falling_back: true, "m.in_reply_to": { event_id: "$root" } });
    expect(threadContent(text, "$root", "$latest")["m.relates_to"]).toEqual({
      rel_type: "m.thread",
      event_id: "$root",
      is_falling_back: true,
      "m.in_reply_to": { event_id: "$latest" },
    });
    expect(threadContent(text, "$root", "$latest", "$target")["m.relates_to"]).toEqual({
      rel_type: "m.thread",
      event_id: "$root",
      is_falling_back: false,
      "m.in_reply_to": { event_id: "$target" },
    });
  });

  it("an edit carries the new content in m.new_content without relations, with a `* ` fallback outside and no outer mentions", () => {
    const edited = editContent({ ...text, "m.mentions": { user_ids: ["@a:t"] }, "m.relates_to": { rel_type: "m.thread", event_id: "$root" } }, "$orig");
    expect(edited).toEqual({
      msgtype: "m.text",
      body: "* hi",
      format: "org.matrix.custom.html",
      formatted_body: "* <b>hi</b>",
      "m.new_content": { ...text, "m.mentions": { user_ids: ["@a:t"] } },
      "m.relates_to": { rel_type: "m.replace", event_id: "$orig" },
    });
  });

  it("a reaction is an m.annotation with its key", () => {
    expect(reactionContent("$t", "👍")).toEqual({ "m.relates_to": { rel_type: "m.annotation", event_id: "$t", key: "👍" } });
  });

  it("a redaction carries `redacts` in its content from room version 11 on, and its reason", () => {
    expect(redactionContent("$t", "10", "spam")).toEqual({ reason: "spam" });
    expect(redactionContent("$t", "11")).toEqual({ redacts: "$t" });
    expect(redactionContent("$t", "12", "x")).toEqual({ reason: "x", redacts: "$t" });
    expect(redactsInContent("9")).toBe(false);
    expect(redactsInContent("org.matrix.msc2176")).toBe(false);
  });
});

describe("withRelation: unmapped targets", () => {
  it("a reply or thread without its target degrades to a plain message", () => {
    expect(withRelation("m.room.message", { ...text, "m.relates_to": {} }, { type: "reply" })).toEqual({ eventType: "m.room.message", content: text });
    expect(withRelation("m.room.message", text, { type: "thread", latest: "$l" })).toEqual({ eventType: "m.room.message", content: text });
  });

  it("an edit or reaction without its target cannot be expressed", () => {
    expect(withRelation("m.room.message", text, { type: "edit" })).toEqual({ missing: "edit target" });
    expect(withRelation("m.reaction", {}, { type: "reaction", key: "x" })).toEqual({ missing: "reaction target" });
  });

  it("a reaction is always sent as m.reaction with nothing but its relation", () => {
    expect(withRelation("m.reaction", { body: "ignored" }, { type: "reaction", target: "$t", key: "x" })).toEqual({
      eventType: "m.reaction",
      content: { "m.relates_to": { rel_type: "m.annotation", event_id: "$t", key: "x" } },
    });
  });
});

describe("membershipReached", () => {
  it.each([
    ["invite", "invite", true],
    ["invite", "join", true],
    ["invite", "leave", false],
    ["join", "join", true],
    ["join", "invite", false],
    ["leave", undefined, true],
    ["leave", "ban", true],
    ["leave", "join", false],
    ["kick", "leave", true],
    ["kick", "invite", false],
    ["ban", "ban", true],
    ["ban", "join", false],
    ["unban", "leave", true],
    ["unban", undefined, true],
    ["unban", "join", true],
    ["unban", "ban", false],
    ["unban", "unknown", false],
  ] as const)("%s when %s: %s", (action, membership, reached) => {
    expect(membershipReached(action, membership)).toBe(reached);
  });
});
