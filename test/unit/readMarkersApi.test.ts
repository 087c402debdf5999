import { describe, expect, it } from "vitest";
import { apiHarness } from "../support/apiHarness.js";

/* PUT /rooms/{id}/read, and the unread count, marker and last message every room view carries. */

describe("read markers API", () => {
  it("a member's room list counts others' messages after their marker; marking read moves it and tells the room in sync", async () => {
    const h = await apiHarness();
    const [alice, bob] = [await h.signUp("alice"), await h.signUp("bob")];
    await h.json("PATCH", "/api/v1/me/profile", { displayName: "Alice A." }, alice);
    const room = (await h.json("POST", "/api/v1/rooms", { name: "Talk", invite: ["bob"] }, alice)).body;
    expect(room).toMatchObject({ unreadCount: 0 });
    expect(room.lastMessage).toBeUndefined();
    // An invitee sees the room, not its messages: nothing unread yet.
    await h.json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "before you came" }, alice);
    expect((await h.json("GET", "/api/v1/rooms", undefined, bob)).body.rooms[0]).toMatchObject({ membership: "invite", unreadCount: 0 });
    expect((await h.json("GET", "/api/v1/rooms", undefined, bob)).body.rooms[0].lastMessage).toBeUndefined();
    await h.json("POST", `/api/v1/rooms/${room.id}/members`, { handle: "bob" }, bob);

    const one = (await h.json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "**one**" }, alice)).body;
    const two = (await h.json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "two & more" }, alice)).body;
    const bobs = (await h.json("GET", "/api/v1/rooms", undefined, bob)).body.rooms[0];
    expect(bobs).toMatchObject({ id: room.id, unreadCount: 3, lastMessage: { id: two.id, sender: "alice", senderProfile: { displayName: "Alice A." }, excerpt: "two & more", createdAt: two.createdAt } });
    expect(bobs.readUpTo).toBeUndefined();
    // The sender's own marker moved with each message.
    expect((await h.json("GET", `/api/v1/rooms/${room.id}`, undefined, alice)).body).toMatchObject({ unreadCount: 0, readUpTo: two.id });

    const { next } = (await h.json("GET", "/api/v1/sync", undefined, alice)).body;
    expect((await h.json("PUT", `/api/v1/rooms/${room.id}/read`, { messageId: one.id }, bob)).status).toBe(204);
    expect((await h.json("GET", `/api/v1/rooms/${room.id}`, undefined, bob)).body).toMatchObject({ unreadCount: 1, readUpTo: one.id });
    const synced = (await h.json("GET", `/api/v1/sync?since=${encodeURIComponent(next)}&timeout=0`, undefined, alice)).body.events;
    expect(synced).toEqual([{ kind: "room.read", roomId: room.id, data: { type: "room.read", roomId: room.id, member: "bob", messageId: one.id, by: "bob", at: expect.any(String) } }]);

    // Older than the marker: 204, nothing moves, nobody is told.
    const before = h.published.length;
    expect((await h.json("PUT", `/api/v1/rooms/${room.id}/read`, { messageId: room.id }, bob)).status).toBe(404);
    const first = (await h.json("GET", `/api/v1/rooms/${room.id}/messages`, undefined, bob)).body.messages.at(-1);
    expect((await h.json("PUT", `/api/v1/rooms/${room.id}/read`, { messageId: first.id }, bob)).status).toBe(204);
    expect(h.published.length).toBe(before);
    expect((await h.json("GET", `/api/v1/rooms/${room.id}`, undefined, bob)).body).toMatchObject({ unreadCount: 1, readUpTo: one.id });

    // Bob answers: his marker moves to his message; alice has one unread.
    await h.json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "got it" }, bob);
    expect((await h.json("GET", "/api/v1/rooms", undefined, bob)).body.rooms[0]).toMatchObject({ unreadCount: 0, lastMessage: { sender: "bob", excerpt: "got it" } });
    expect((await h.json("GET", "/api/v1/rooms", undefined, alice)).body.rooms[0]).toMatchObject({ unreadCount: 1 });
  });
});
