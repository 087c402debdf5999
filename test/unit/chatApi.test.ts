import { describe, expect, it } from "vitest";
import { apiHarness } from "../support/apiHarness.js";

async function setup() {
  const h = await apiHarness();
  const alice = await h.signUp("alice");
  const bob = await h.signUp("bob");
  const carol = await h.signUp("carol");
  return { ...h, alice, bob, carol };
}

describe("rooms, DMs and messages API", () => {
  it("creates a room with invites by every kind of handle and lists it for members", async () => {
    const { json, alice, bob } = await setup();
    const res = await json("POST", "/api/v1/rooms", { name: "General", topic: "chat", invite: ["bob", "@dan:matrix.example", "erin@other.example"] }, alice);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: "group", name: "General", membership: "join", createdBy: "alice" });
    expect(res.body.members).toEqual(
      expect.arrayContaining([
        { member: "alice", membership: "join", kind: "mirage" },
        { member: "bob", membership: "invite", kind: "mirage" },
        { member: "@dan:matrix.example", membership: "invite", kind: "matrix" },
        { member: "@erin:other.example", membership: "invite", kind: "matrix" },
      ]),
    );
    const bobs = await json("GET", "/api/v1/rooms", undefined, bob);
    expect(bobs.body.rooms).toEqual([expect.objectContaining({ id: res.body.id, membership: "invite" })]);
  });

  it("rejects bad handles and unknown Mirage accounts clearly", async () => {
    const { json, alice } = await setup();
    expect(await json("POST", "/api/v1/rooms", { name: "x", invite: ["nobody"] }, alice)).toMatchObject({ status: 404, body: { error: { code: "NOT_FOUND" } } });
    for (const handle of ["@no-server", "a b", "@x:", "bob@", "@x:y z"]) {
      expect((await json("POST", "/api/v1/rooms", { name: "x", invite: [handle] }, alice)).status, handle).toBe(400);
    }
    expect((await json("POST", "/api/v1/rooms", { name: "" }, alice)).status).toBe(400);
    expect((await json("POST", "/api/v1/rooms", { name: "x", extra: 1 }, alice)).status).toBe(400);
    expect((await json("POST", "/api/v1/rooms", { name: "x" })).status).toBe(401);
  });

  it("lets invitees accept, members talk, and outsiders see nothing", async () => {
    const { json, alice, bob, carol } = await setup();
    const room = (await json("POST", "/api/v1/rooms", { name: "Team", invite: ["bob"] }, alice)).body;
    // Invited is not joined: the room is visible, its messages are not, and nothing can be sent yet.
    expect((await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "hi" }, bob)).status).toBe(403);
    expect((await json("GET", `/api/v1/rooms/${room.id}/messages`, undefined, bob)).status).toBe(403);
    expect((await json("GET", `/api/v1/rooms/${room.id}`, undefined, bob)).status).toBe(200);
    expect((await json("POST", `/api/v1/rooms/${room.id}/members`, { handle: "bob" }, bob)).body).toEqual({ member: "bob", membership: "join" });
    const sent = await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "**hello** <script>x</script>" }, bob);
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ seq: 1, sender: "bob", body: "**hello** <script>x</script>", deleted: false });
    expect(sent.body.html).not.toContain("<script");
    for (const [method, url, body] of [
      ["GET", `/api/v1/rooms/${room.id}`, undefined],
      ["GET", `/api/v1/rooms/${room.id}/messages`, undefined],
      ["POST", `/api/v1/rooms/${room.id}/messages`, { body: "intrude" }],
      ["POST", `/api/v1/rooms/${room.id}/members`, { handle: "carol" }],
      ["PATCH", `/api/v1/messages/${sent.body.id}`, { body: "x" }],
    ] as const) {
      expect((await json(method, url, body, carol)).status, `${method} ${url}`).toBe(404);
    }
    expect((await json("POST", `/api/v1/rooms/${room.id}/members`, { handle: "bob" }, alice)).status).toBe(409);
  });

  it("paginates newest first, with replies, edits and tombstoned deletes", async () => {
    const { json, alice, bob } = await setup();
    const room = (await json("POST", "/api/v1/rooms", { name: "Log", invite: ["bob"] }, alice)).body;
    await json("POST", `/api/v1/rooms/${room.id}/members`, { handle: "bob" }, bob);
    const ids: string[] = [];
    for (let i = 1; i <= 7; i++) ids.push((await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: `m${i}` }, alice)).body.id);
    const first = await json("GET", `/api/v1/rooms/${room.id}/messages?limit=3`, undefined, bob);
    expect(first.body.messages.map((m: { body: string }) => m.body)).toEqual(["m7", "m6", "m5"]);
    const second = await json("GET", `/api/v1/rooms/${room.id}/messages?limit=3&before=${first.body.nextBefore}`, undefined, bob);
    expect(second.body.messages.map((m: { body: string }) => m.body)).toEqual(["m4", "m3", "m2"]);
    const last = await json("GET", `/api/v1/rooms/${room.id}/messages?limit=3&before=${second.body.nextBefore}`, undefined, bob);
    expect(last.body).toMatchObject({ messages: [expect.objectContaining({ body: "m1" })], nextBefore: null });
    expect((await json("GET", `/api/v1/rooms/${room.id}/messages?limit=500`, undefined, bob)).status).toBe(400);

    const reply = await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "re", parentId: ids[0] }, bob);
    expect(reply.body.parentId).toBe(ids[0]);
    expect((await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "re", parentId: "m_nope" }, bob)).status).toBe(400);

    expect((await json("PATCH", `/api/v1/messages/${ids[0]}`, { body: "m1 edited" }, bob)).status).toBe(403);
    const edited = await json("PATCH", `/api/v1/messages/${ids[0]}`, { body: "m1 edited" }, alice);
    expect(edited.body).toMatchObject({ body: "m1 edited", editedAt: expect.any(String) });
    expect((await json("DELETE", `/api/v1/messages/${reply.body.id}`, undefined, alice)).status).toBe(204);
    const tomb = await json("GET", `/api/v1/rooms/${room.id}/messages?limit=1`, undefined, bob);
    expect(tomb.body.messages[0]).toMatchObject({ id: reply.body.id, deleted: true, body: "", html: "" });
    expect((await json("PATCH", `/api/v1/messages/${reply.body.id}`, { body: "again" }, bob)).status).toBe(409);
  });

  it("opens one DM per pair, joining Mirage peers and inviting Matrix users", async () => {
    const { json, alice, bob } = await setup();
    const dm = await json("POST", "/api/v1/dms", { handle: "bob" }, alice);
    expect(dm.status).toBe(201);
    expect(dm.body.kind).toBe("dm");
    const again = await json("POST", "/api/v1/dms", { handle: "alice" }, bob);
    expect(again).toMatchObject({ status: 200, body: { id: dm.body.id } });
    expect((await json("POST", `/api/v1/rooms/${dm.body.id}/messages`, { body: "psst" }, bob)).status).toBe(201);
    expect((await json("POST", `/api/v1/rooms/${dm.body.id}/members`, { handle: "carol" }, alice)).status).toBe(400);
    const matrix = await json("POST", "/api/v1/dms", { handle: "frank@matrix.example" }, alice);
    expect(matrix.body.members).toEqual(expect.arrayContaining([{ member: "@frank:matrix.example", membership: "invite", kind: "matrix" }]));
    expect((await json("POST", "/api/v1/dms", { handle: "alice" }, alice)).status).toBe(400);
  });

  it("in a DM nobody moderates the other: each deletes and edits only their own messages, whoever opened it", async () => {
    const { json, alice, bob } = await setup();
    const dm = (await json("POST", "/api/v1/dms", { handle: "bob" }, alice)).body;
    const fromBob = (await json("POST", `/api/v1/rooms/${dm.id}/messages`, { body: "mine" }, bob)).body;
    const fromAlice = (await json("POST", `/api/v1/rooms/${dm.id}/messages`, { body: "mine too" }, alice)).body;
    for (const [token, other] of [
      [alice, fromBob],
      [bob, fromAlice],
    ] as const) {
      expect(await json("DELETE", `/api/v1/messages/${other.id}`, undefined, token)).toMatchObject({ status: 403, body: { error: { code: "FORBIDDEN" } } });
      expect((await json("PATCH", `/api/v1/messages/${other.id}`, { body: "changed" }, token)).status).toBe(403);
    }
    const page = await json("GET", `/api/v1/rooms/${dm.id}/messages`, undefined, bob);
    expect(page.body.messages.map((m: { body: string; deleted: boolean }) => [m.body, m.deleted])).toEqual([
      ["mine too", false],
      ["mine", false],
    ]);
    expect((await json("DELETE", `/api/v1/messages/${fromBob.id}`, undefined, bob)).status).toBe(204);
    expect((await json("DELETE", `/api/v1/messages/${fromAlice.id}`, undefined, alice)).status).toBe(204);

    // A group room's creator still moderates it; other members do not.
    const room = (await json("POST", "/api/v1/rooms", { name: "Club", invite: ["bob"] }, alice)).body;
    await json("POST", `/api/v1/rooms/${room.id}/members`, { handle: "bob" }, bob);
    const byBob = (await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "b" }, bob)).body;
    const byAlice = (await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "a" }, alice)).body;
    expect((await json("DELETE", `/api/v1/messages/${byAlice.id}`, undefined, bob)).status).toBe(403);
    expect((await json("DELETE", `/api/v1/messages/${byBob.id}`, undefined, alice)).status).toBe(204);
  });

  it("leaving removes the room from the list and access; events reach exactly the members", async () => {
    const { json, alice, bob, published } = await setup();
    const room = (await json("POST", "/api/v1/rooms", { name: "Temp", invite: ["bob"] }, alice)).body;
    await json("POST", `/api/v1/rooms/${room.id}/members`, { handle: "bob" }, bob);
    await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "bye" }, alice);
    const created = published.find((p) => p.event.type === "message.created");
    expect([...created!.audience].sort()).toEqual(["alice", "bob"]);
    expect((await json("DELETE", `/api/v1/rooms/${room.id}/members/me`, undefined, bob)).status).toBe(204);
    expect((await json("GET", "/api/v1/rooms", undefined, bob)).body.rooms).toEqual([]);
    expect((await json("GET", `/api/v1/rooms/${room.id}/messages`, undefined, bob)).status).toBe(404);
    const left = published.findLast((p) => p.event.type === "member.changed");
    expect(left!.event).toMatchObject({ member: "bob", membership: "leave" });
    expect([...left!.audience].sort()).toEqual(["alice", "bob"]);
    await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "alone" }, alice);
    expect(published.at(-1)!.audience).toEqual(["alice"]);
  });
});
