import { describe, expect, it } from "vitest";
import { MAX_ANNOTATION_KEY_CHARS, parseRelation } from "../../src/bridge/convert/parseRelation.js";
import { NASTY_VALUES } from "../support/prng.js";

const message = { msgtype: "m.text", body: "x" };
const withRel = (rel: unknown, extra: Record<string, unknown> = {}) => ({ ...message, ...extra, "m.relates_to": rel });

describe("parseRelation: the spec's shapes", () => {
  it("reads none, a rich reply, a thread message, an in-thread reply, an edit and an annotation", () => {
    expect(parseRelation(message)).toEqual({ type: "none" });
    expect(parseRelation(withRel({ "m.in_reply_to": { event_id: "$another:event.com" } }))).toEqual({ type: "reply", to: "$another:event.com" });
    expect(parseRelation(withRel({ rel_type: "m.thread", event_id: "$root", is_falling_back: true, "m.in_reply_to": { event_id: "$latest" } }))).toEqual({ type: "thread", root: "$root" });
    expect(parseRelation(withRel({ rel_type: "m.thread", event_id: "$root", is_falling_back: false, "m.in_reply_to": { event_id: "$target" } }))).toEqual({
      type: "thread",
      root: "$root",
      replyTo: "$target",
    });
    expect(parseRelation(withRel({ rel_type: "m.thread", event_id: "$root", "m.in_reply_to": { event_id: "$target" } }))).toEqual({ type: "thread", root: "$root", replyTo: "$target" });
    expect(parseRelation(withRel({ rel_type: "m.thread", event_id: "$root" }))).toEqual({ type: "thread", root: "$root" });
    const newContent = { body: "Hello! My name is bar", msgtype: "m.text" };
    expect(parseRelation(withRel({ event_id: "$some_event_id", rel_type: "m.replace" }, { "m.new_content": newContent }))).toEqual({ type: "edit", target: "$some_event_id", newContent });
    expect(parseRelation({ "m.relates_to": { event_id: "$some_event_id", key: "👍", rel_type: "m.annotation" } })).toEqual({ type: "annotation", target: "$some_event_id", key: "👍" });
  });

  it("reads an unknown rel_type as a reply when it has m.in_reply_to, otherwise as none", () => {
    expect(parseRelation(withRel({ rel_type: "m.reference", event_id: "$x" }))).toEqual({ type: "none" });
    expect(parseRelation(withRel({ rel_type: "org.example.other", event_id: "$x", "m.in_reply_to": { event_id: "$y" } }))).toEqual({ type: "reply", to: "$y" });
    expect(parseRelation(withRel({ rel_type: 7, "m.in_reply_to": { event_id: "$y" } }))).toEqual({ type: "reply", to: "$y" });
  });
});

describe("parseRelation: hostile content", () => {
  it("refuses an m.relates_to that is not an object", () => {
    for (const rel of [null, "m.thread", 1, true, [], [{ rel_type: "m.thread", event_id: "$x" }]]) {
      expect(parseRelation(withRel(rel))).toEqual({ type: "invalid", why: "m.relates_to is not an object" });
    }
  });

  it("checks the shape of every event ID", () => {
    for (const id of ["", "$", "x", "$a b", "$a\u0000", "$é", "$" + "a".repeat(255), 42, null, ["$a"], { event_id: "$a" }]) {
      expect(parseRelation(withRel({ "m.in_reply_to": { event_id: id } })), String(id)).toEqual({ type: "none" });
      expect(parseRelation(withRel({ rel_type: "m.thread", event_id: id })).type).toBe("invalid");
      expect(parseRelation(withRel({ rel_type: "m.replace", event_id: id }, { "m.new_content": message })).type).toBe("invalid");
      expect(parseRelation(withRel({ rel_type: "m.annotation", event_id: id, key: "x" })).type).toBe("invalid");
    }
    expect(parseRelation(withRel({ "m.in_reply_to": { event_id: "$" + "a".repeat(254) } })).type).toBe("reply");
    expect(parseRelation(withRel({ "m.in_reply_to": "$a" }))).toEqual({ type: "none" });
    expect(parseRelation(withRel({ "m.in_reply_to": ["$a"] }))).toEqual({ type: "none" });
  });

  it("treats any is_falling_back other than false or absent as a fallback, not a reply to a specific event", () => {
    for (const value of [true, "true", "false", 0, 1, null, {}, []]) {
      expect(parseRelation(withRel({ rel_type: "m.thread", event_id: "$root", is_falling_back: value, "m.in_reply_to": { event_id: "$t" } })), JSON.stringify(value)).toEqual({
        type: "thread",
        root: "$root",
      });
    }
    // Replying to the root itself is a plain thread message.
    expect(parseRelation(withRel({ rel_type: "m.thread", event_id: "$root", is_falling_back: false, "m.in_reply_to": { event_id: "$root" } }))).toEqual({ type: "thread", root: "$root" });
  });

  it("refuses an edit whose m.new_content is not an object", () => {
    for (const newContent of [undefined, null, "text", 1, [], [message]]) {
      expect(parseRelation(withRel({ rel_type: "m.replace", event_id: "$e" }, { "m.new_content": newContent }))).toEqual({ type: "invalid", why: "edit without a target or new content" });
    }
  });

  it("refuses annotation keys that are missing, blank, not text or longer than the limit", () => {
    const annotation = (key: unknown) => parseRelation({ "m.relates_to": { rel_type: "m.annotation", event_id: "$e", key } });
    for (const key of [undefined, "", "  ", 1, ["👍"], { key: "👍" }, "a".repeat(MAX_ANNOTATION_KEY_CHARS + 1), "👍".repeat(MAX_ANNOTATION_KEY_CHARS + 1), "x".repeat(1_000_000)]) {
      expect(annotation(key).type).toBe("invalid");
    }
    // The limit counts code points: 255 emoji are 510 UTF-16 units.
    expect(annotation("👍".repeat(MAX_ANNOTATION_KEY_CHARS))).toEqual({ type: "annotation", target: "$e", key: "👍".repeat(MAX_ANNOTATION_KEY_CHARS) });
  });

  it("refuses a relation to the event itself when its ID is given", () => {
    const self = { eventId: "$me" };
    expect(parseRelation(withRel({ "m.in_reply_to": { event_id: "$me" } }), self)).toEqual({ type: "invalid", why: "relation to itself" });
    expect(parseRelation(withRel({ rel_type: "m.thread", event_id: "$me" }), self).type).toBe("invalid");
    expect(parseRelation(withRel({ rel_type: "m.thread", event_id: "$root", "m.in_reply_to": { event_id: "$me" } }), self).type).toBe("invalid");
    expect(parseRelation(withRel({ rel_type: "m.replace", event_id: "$me" }, { "m.new_content": message }), self).type).toBe("invalid");
    expect(parseRelation({ "m.relates_to": { rel_type: "m.annotation", event_id: "$me", key: "x" } }, self).type).toBe("invalid");
    expect(parseRelation(withRel({ "m.in_reply_to": { event_id: "$other" } }), self)).toEqual({ type: "reply", to: "$other" });
  });

  it("never throws, whatever the values", () => {
    const slots = ["m.relates_to", "rel_type", "event_id", "key", "is_falling_back", "m.in_reply_to", "m.new_content"];
    for (const value of NASTY_VALUES) {
      for (const slot of slots) {
        const rel: Record<string, unknown> = { rel_type: "m.thread", event_id: "$r", "m.in_reply_to": { event_id: "$t" }, [slot]: value };
        const content = slot === "m.relates_to" || slot === "m.new_content" ? { ...message, [slot]: value } : withRel(rel);
        expect(() => parseRelation(content)).not.toThrow();
      }
    }
    expect(parseRelation(null as unknown as Record<string, unknown>)).toEqual({ type: "invalid", why: "content is not an object" });
    expect(parseRelation(JSON.parse('{"m.relates_to":{"__proto__":{"rel_type":"m.replace"},"m.in_reply_to":{"event_id":"$x"}}}'))).toEqual({ type: "reply", to: "$x" });
  });
});
