import { describe, expect, it } from "vitest";
import { MessagePageCache } from "../../src/api/MessagePageCache.js";
import { DomainEventBus } from "../../src/platform/events/DomainEvent.js";
import { apiHarness } from "../support/apiHarness.js";

const page = (roomId: string, reader = "alice") => ({ roomId, reader, limit: 20, before: undefined });

describe("MessagePageCache", () => {
  it("serves a page only while its room is unchanged, and only to the reader it was built for", () => {
    const events = new DomainEventBus();
    const cache = new MessagePageCache(events);
    const at = cache.version("r1");
    cache.put(page("r1"), at, "body");
    expect(cache.get(page("r1"), cache.version("r1"))).toBe("body");
    expect(cache.get(page("r1", "bob"), cache.version("r1"))).toBeUndefined();
    events.emit({ type: "message.created", roomId: "r2", messageId: "m", by: "bob" }, []);
    expect(cache.get(page("r1"), cache.version("r1"))).toBe("body");
    events.emit({ type: "reaction.added", target: { kind: "message", id: "m", roomId: "r1" }, key: "👍", by: "bob" }, []);
    expect(cache.get(page("r1"), cache.version("r1"))).toBeUndefined();
  });

  it("never stores as current a page read across a change (the version is taken first)", () => {
    const events = new DomainEventBus();
    const cache = new MessagePageCache(events);
    const before = cache.version("r1");
    events.emit({ type: "message.edited", roomId: "r1", messageId: "m", by: "alice" }, []);
    cache.put(page("r1"), before, "read while the edit committed");
    expect(cache.get(page("r1"), cache.version("r1"))).toBeUndefined();
  });

  it("drops every page when a reaction on a message does not name its room", () => {
    const events = new DomainEventBus();
    const cache = new MessagePageCache(events);
    cache.put(page("r1"), cache.version("r1"), "one");
    events.emit({ type: "reaction.removed", target: { kind: "message", id: "m" }, key: "👍", by: "bob" }, []);
    expect(cache.get(page("r1"), cache.version("r1"))).toBeUndefined();
  });

  it("is bounded by pages and by size, least recently used first", () => {
    const cache = new MessagePageCache(new DomainEventBus(), { maxPages: 2, maxChars: 1600 });
    const at = (room: string) => cache.version(room);
    cache.put(page("a"), at("a"), "x".repeat(10));
    cache.put(page("b"), at("b"), "x".repeat(10));
    expect(cache.get(page("a"), at("a"))).toBeDefined();
    cache.put(page("c"), at("c"), "x".repeat(10));
    expect(cache.size).toBe(2);
    expect(cache.get(page("b"), at("b"))).toBeUndefined();
    cache.put(page("d"), at("d"), "x".repeat(100));
    cache.put(page("e"), at("e"), "x".repeat(100));
    expect(cache.size).toBeLessThanOrEqual(2);
    // A page bigger than a sixteenth of the budget is not kept at all.
    cache.put(page("f"), at("f"), "x".repeat(101));
    expect(cache.get(page("f"), at("f"))).toBeUndefined();
  });
});

describe("message pages through the API", () => {
  it("reflect every change at once: send, edit, delete, reaction, un-reaction, and a reader who left", async () => {
    const h = await apiHarness();
    const alice = await h.signUp("alice");
    const bob = await h.signUp("bob");
    const room = (await h.json("POST", "/api/v1/rooms", { name: "r", invite: ["bob"] }, alice)).body;
    await h.json("POST", `/api/v1/rooms/${room.id}/members`, { handle: "bob" }, bob);
    const read = async (token: string) => h.json("GET", `/api/v1/rooms/${room.id}/messages?limit=20`, undefined, token);
    const bodies = async (token: string) => (await read(token)).body.messages.map((m: { body: string }) => m.body);

    const first = (await h.json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "one" }, alice)).body;
    expect(await bodies(alice)).toEqual(["one"]);
    expect(await bodies(alice)).toEqual(["one"]);
    await h.json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "two" }, bob);
    expect(await bodies(alice)).toEqual(["two", "one"]);
    await h.json("PATCH", `/api/v1/messages/${first.id}`, { body: "one, edited" }, alice);
    expect(await bodies(alice)).toEqual(["two", "one, edited"]);

    expect((await h.json("PUT", `/api/v1/messages/${first.id}/reactions/${encodeURIComponent("👍")}`, undefined, bob)).status).toBeLessThan(300);
    const [, reacted] = (await read(alice)).body.messages;
    expect(reacted).toMatchObject({ reactions: { "👍": 1 }, myReactions: [] });
    // The same page, another reader: their own reactions, not alice's view.
    expect((await read(bob)).body.messages[1]).toMatchObject({ reactions: { "👍": 1 }, myReactions: ["👍"] });
    await h.json("DELETE", `/api/v1/messages/${first.id}/reactions/${encodeURIComponent("👍")}`, undefined, bob);
    expect((await read(alice)).body.messages[1].reactions).toEqual({});

    await h.json("DELETE", `/api/v1/messages/${first.id}`, undefined, alice);
    expect((await read(alice)).body.messages[1]).toMatchObject({ deleted: true, body: "" });

    expect((await read(bob)).status).toBe(200);
    expect((await h.json("DELETE", `/api/v1/rooms/${room.id}/members/me`, undefined, bob)).status).toBe(204);
    // Who left no longer sees the room at all: the access check runs before any cached page.
    expect((await read(bob)).status).toBe(404);
    // The answer is the route's own serialization, byte for byte, cached or not.
    const cached = await h.app.inject({ url: `/api/v1/rooms/${room.id}/messages?limit=20`, headers: { authorization: `Bearer ${alice}` } });
    expect(cached.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(cached.body)).toEqual((await read(alice)).body);
  });
});
