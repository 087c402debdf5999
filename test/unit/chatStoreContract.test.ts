import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import type { Account } from "../../src/platform/accounts/Account.js";
import type { MembershipRecord, Room } from "../../src/platform/chat/Room.js";
import { asAccountName, asMessageId, asRoomId, asSessionId } from "../../src/platform/ids.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { openLevelStore, storeOver, type Store } from "../../src/store/openStore.js";
import { asPersonId } from "../../src/platform/people/Person.js";

const implementations: [string, () => Promise<Store>][] = [
  ["memory-level", async () => storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel)],
  ["level", async () => openLevelStore(await mkdtemp(path.join(tmpdir(), "mirage-chat-store-")))],
];

const account = (name: string): Account => ({
  name: asAccountName(name), passwordHash: "h", displayName: name, avatarUrl: "", bio: "", bioHtml: "",
  customHtml: "", customHtmlSanitized: "", customCss: "", customCssSanitized: "", createdAt: 1, updatedAt: 1,
});
const room = (id: string): Room => ({ id: asRoomId(id), kind: "group", name: id, topic: "", createdBy: asAccountName("alice"), createdAt: 1 });
const member = (roomId: string, who: string, membership: MembershipRecord["membership"], at: number): MembershipRecord => ({ roomId: asRoomId(roomId), member: asPersonId(who), membership, by: asPersonId(who), at });

describe.each(implementations)("accounts, sessions, rooms and messages contract: %s", (_name, make) => {
  it("accounts: create refuses a taken name; update and count", async () => {
    const store = await make();
    await store.accounts.create(account("alice"));
    await expect(store.accounts.create(account("alice"))).rejects.toMatchObject({ code: "CONFLICT" });
    await store.accounts.update({ ...account("alice"), displayName: "Alice" });
    expect((await store.accounts.get(asAccountName("alice")))?.displayName).toBe("Alice");
    expect(await store.accounts.count()).toBe(1);
    await store.close();
  });

  it("sessions: the token index finds current and retired tokens; rotation is compare-and-set", async () => {
    const store = await make();
    const id = asSessionId("s1");
    await store.sessions.create({ id, account: asAccountName("alice"), tokenHash: "h1", createdAt: 1, expiresAt: 100 });
    expect(await store.sessions.rotate(id, "h1", "h2", 200, 10)).toMatchObject({ tokenHash: "h2", previousTokenHash: "h1", rotatedAt: 10 });
    // The same rotation again is answered with the session as it stands; another one is refused.
    expect(await store.sessions.rotate(id, "h1", "h2", 300, 11)).toMatchObject({ tokenHash: "h2", rotatedAt: 10, expiresAt: 200 });
    expect(await store.sessions.rotate(id, "h1", "h3", 200, 12)).toBeUndefined();
    expect(await store.sessions.findByTokenHash("h1")).toMatchObject({ current: false, session: { id } });
    expect(await store.sessions.findByTokenHash("h2")).toMatchObject({ current: true, session: { expiresAt: 200 } });
    await store.sessions.revoke(id, 5);
    expect((await store.sessions.get(id))?.revokedAt).toBe(5);
    expect(await store.sessions.rotate(id, "h2", "h4", 300, 13)).toBeUndefined();
    await store.close();
  });

  it("rooms: membership and its by-member index move together; DMs are found from either side", async () => {
    const store = await make();
    await store.rooms.create(room("r1"), [member("r1", "alice", "join", 1), member("r1", "bob", "invite", 1)]);
    await store.rooms.create(room("r2"), [member("r2", "alice", "join", 2), member("r2", "@x:y", "invite", 2)], [asPersonId("alice"), asPersonId("@x:y")]);
    expect((await store.rooms.members(asRoomId("r1"))).map((m) => m.member).sort()).toEqual(["alice", "bob"]);
    expect((await store.rooms.roomsOf(asPersonId("alice"))).map((m) => m.roomId)).toEqual(["r2", "r1"]);
    await store.rooms.setMembership(member("r1", "bob", "leave", 3));
    expect(await store.rooms.roomsOf(asPersonId("bob"))).toEqual([]);
    expect((await store.rooms.membership(asRoomId("r1"), asPersonId("bob")))?.membership).toBe("leave");
    expect(await store.rooms.findDm(asPersonId("@x:y"), asPersonId("alice"))).toBe("r2");
    expect(await store.rooms.findDm(asPersonId("alice"), asPersonId("bob"))).toBeUndefined();
    // Prefix ranges do not bleed between similar ids.
    await store.rooms.create(room("r10"), [member("r10", "alice", "join", 4)]);
    expect((await store.rooms.members(asRoomId("r1"))).map((m) => m.roomId)).toEqual(["r1", "r1"]);
    await store.close();
  });

  it("messages: per-room sequences, concurrent appends get distinct positions, pages newest first", async () => {
    const store = await make();
    const base = { sender: asPersonId("alice"), body: "b", html: "h", createdAt: 1, deleted: false };
    const appended = await Promise.all(Array.from({ length: 25 }, (_, i) => store.messages.append({ ...base, id: asMessageId(`m${i}`), roomId: asRoomId("r1") })));
    await store.messages.append({ ...base, id: asMessageId("other"), roomId: asRoomId("r10") });
    expect(appended.map((m) => m.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const first = await store.messages.page(asRoomId("r1"), { limit: 10 });
    expect(first.map((m) => m.seq)).toEqual([25, 24, 23, 22, 21, 20, 19, 18, 17, 16]);
    const rest = await store.messages.page(asRoomId("r1"), { limit: 100, beforeSeq: 16 });
    expect(rest).toHaveLength(15);
    expect(rest.every((m) => m.roomId === "r1")).toBe(true);
    const edited = { ...first[0]!, body: "edited" };
    await store.messages.update(edited);
    expect((await store.messages.get(edited.id))?.body).toBe("edited");
    await store.close();
  });

  it("messages: each thread indexed apart, newest first, with its root's summary; similar ids do not bleed", async () => {
    const store = await make();
    const base = { sender: asPersonId("alice"), body: "b", html: "h", createdAt: 1, deleted: false, roomId: asRoomId("r1") };
    const root = await store.messages.append({ ...base, id: asMessageId("m1") });
    const other = await store.messages.append({ ...base, id: asMessageId("m10") });
    const replies = await Promise.all(Array.from({ length: 5 }, (_, i) => store.messages.append({ ...base, id: asMessageId(`t${i}`), threadId: root.id })));
    await store.messages.append({ ...base, id: asMessageId("u0"), threadId: other.id });
    const newestFirst = replies.map((m) => m.id).reverse();
    expect((await store.messages.threadPage(root.id, { limit: 10 })).map((m) => m.id).sort()).toEqual([...newestFirst].sort());
    const page = await store.messages.threadPage(root.id, { limit: 2 });
    expect(page.map((m) => m.seq)).toEqual([...replies.map((m) => m.seq)].sort((a, b) => b - a).slice(0, 2));
    const rest = await store.messages.threadPage(root.id, { limit: 10, beforeSeq: page.at(-1)!.seq });
    expect(rest).toHaveLength(3);
    const latest = replies.reduce((a, b) => (a.seq > b.seq ? a : b));
    expect(await store.messages.threadSummaries([root.id, other.id, asMessageId("nothing")])).toEqual([
      { count: 5, latestId: latest.id },
      { count: 1, latestId: "u0" },
      undefined,
    ]);
    await store.close();
  });

  it("read markers: advance only forward, move with the sender's append, go with a departure; one room's do not bleed into another's", async () => {
    const store = await make();
    const base = { sender: asPersonId("alice"), body: "b", html: "h", createdAt: 1, deleted: false, roomId: asRoomId("r1") };
    const [m1, m2] = [await store.messages.append({ ...base, id: asMessageId("m1") }), await store.messages.append({ ...base, id: asMessageId("m2") })];
    await store.messages.append({ ...base, id: asMessageId("x1"), roomId: asRoomId("r10") });
    const bob = asPersonId("bob");
    const at = (m: { id: string; seq: number }) => ({ roomId: asRoomId("r1"), member: bob, messageId: asMessageId(m.id), seq: m.seq, at: 5 });
    expect(await store.readMarkers.advance(at(m2))).toBe(true);
    expect(await store.readMarkers.advance(at(m1))).toBe(false);
    expect(await store.readMarkers.advance(at(m2))).toBe(false);
    expect(await store.readMarkers.get(asRoomId("r1"), bob)).toMatchObject({ messageId: "m2", seq: m2.seq });
    // Sending is reading: alice's marker followed her appends, in r1 and in r10 apart.
    expect((await store.readMarkers.ofRoom(asRoomId("r1"))).map((m) => [m.member, m.messageId]).sort()).toEqual([["alice", "m2"], ["bob", "m2"]]);
    expect((await store.readMarkers.ofRoom(asRoomId("r10"))).map((m) => m.messageId)).toEqual(["x1"]);
    await store.rooms.setMembership(member("r1", "bob", "leave", 6));
    expect(await store.readMarkers.get(asRoomId("r1"), bob)).toBeUndefined();
    expect(await store.readMarkers.advance(at(m1), [], async () => false)).toBe(false);
    expect(await store.readMarkers.get(asRoomId("r1"), bob)).toBeUndefined();
    expect(await store.readMarkers.advance(at(m1), [], async () => true)).toBe(true);
    await store.close();
  });

  it("messages: live counts after a position skip tombstones and purged entries, and stop at the cap", async () => {
    const store = await make();
    const base = { sender: asPersonId("alice"), body: "b", html: "h", createdAt: 1, deleted: false, roomId: asRoomId("r1") };
    const sent = [];
    for (let i = 0; i < 6; i++) sent.push(await store.messages.append({ ...base, id: asMessageId(`m${i}`) }));
    await store.messages.append({ ...base, id: asMessageId("x"), roomId: asRoomId("r10") });
    expect(await store.messages.countLiveAfter(asRoomId("r1"), 0, 100)).toBe(6);
    expect(await store.messages.countLiveAfter(asRoomId("r1"), sent[1]!.seq, 100)).toBe(4);
    expect(await store.messages.countLiveAfter(asRoomId("r1"), 0, 3)).toBe(3);
    await store.messages.update({ ...sent[4]!, deleted: true, body: "", html: "" });
    expect(await store.messages.countLiveAfter(asRoomId("r1"), sent[1]!.seq, 100)).toBe(3);
    expect(await store.messages.countLiveAfter(asRoomId("r1"), 0, 5)).toBe(5);
    expect(await store.messagePurge.purge(sent[4]!.id, () => [])).toBeDefined();
    expect(await store.messagePurge.purge(sent[5]!.id, () => [])).toBeDefined();
    expect(await store.messages.countLiveAfter(asRoomId("r1"), sent[1]!.seq, 100)).toBe(2);
    expect(await store.messages.countLiveAfter(asRoomId("r1"), sent[5]!.seq, 100)).toBe(0);
    await store.close();
  });
});
