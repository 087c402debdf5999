import { MemoryLevel } from "memory-level";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TokenSigner } from "../../src/platform/accounts/TokenSigner.js";
import { asAccountName, asReactionTargetId, asRoomId, asSessionId } from "../../src/platform/ids.js";
import { reactionSummaries } from "../../src/platform/reactions/reactionSummaries.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { apiHarness, TEST_SECRET } from "../support/apiHarness.js";
import { asPersonId } from "../../src/platform/people/Person.js";

afterEach(() => vi.restoreAllMocks());

const alice = asAccountName("alice");

/** Counts reads reaching the root database (sublevels delegate every read to it). */
function countReads(db: MemoryLevel<string, unknown>) {
  const spies = (["get", "getMany", "iterator", "keys", "values"] as const).map((method) => vi.spyOn(db, method));
  return () => Object.fromEntries(spies.map((spy, i) => [(["get", "getMany", "iterator", "keys", "values"] as const)[i], spy.mock.calls.length]));
}

describe("read-path caches", () => {
  it("checks a token's signature once in its lifetime, forgets it at expiry and when the cache is full", async () => {
    let now = Date.now();
    const signer = new TokenSigner(TEST_SECRET, { lifetimeSeconds: 60, cacheSize: 2, now: () => now });
    const verify = vi.spyOn(crypto.subtle, "verify");
    const [t1, t2, t3] = await Promise.all([asSessionId("s1"), asSessionId("s2"), asSessionId("s3")].map((s) => signer.sign(alice, s)));
    for (let i = 0; i < 50; i++) expect(await signer.verify(t1!)).toEqual({ account: alice, session: "s1" });
    expect(verify).toHaveBeenCalledTimes(1);
    await signer.verify(t2!);
    await signer.verify(t3!); // the cache holds two: t1, the oldest, is forgotten
    expect(verify).toHaveBeenCalledTimes(3);
    await signer.verify(t1!);
    expect(verify).toHaveBeenCalledTimes(4);
    // A forged token (same claims, another key) is never served from the cache.
    const forged = await new TokenSigner(new TextEncoder().encode("another-secret-another-secret-another!")).sign(alice, asSessionId("s1"));
    await expect(signer.verify(forged)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    now += 61_000;
    await expect(signer.verify(t1!)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: "access token expired; refresh it" });
  });

  it("answers a session from memory; revocation and rotation are seen by the next read at once", async () => {
    const db = new MemoryLevel<string, unknown>();
    const store = storeOver(db as unknown as RootLevel);
    const id = asSessionId("s1");
    await store.sessions.create({ id, account: alice, tokenHash: "h1", createdAt: 1, expiresAt: 100 });
    const reads = countReads(db);
    for (let i = 0; i < 20; i++) expect((await store.sessions.get(id))?.revokedAt).toBeUndefined();
    expect(reads()).toMatchObject({ get: 0, getMany: 0 });
    await store.sessions.rotate(id, "h1", "h2", 200, 5);
    expect(await store.sessions.get(id)).toMatchObject({ tokenHash: "h2" });
    await store.sessions.revoke(id, 7);
    expect((await store.sessions.get(id))?.revokedAt).toBe(7);
    // A fresh repository over the same data agrees (the memory is a copy, not the record).
    expect((await storeOver(db as unknown as RootLevel).sessions.get(id))?.revokedAt).toBe(7);
  });

  it("a read racing a revocation does not leave the live session in memory", async () => {
    const db = new MemoryLevel<string, unknown>();
    const id = asSessionId("s1");
    await storeOver(db as unknown as RootLevel).sessions.create({ id, account: alice, tokenHash: "h1", createdAt: 1, expiresAt: 100 });
    const store = storeOver(db as unknown as RootLevel); // starts with nothing in memory
    // The read gets the live record from the store but finishes only after the revocation is written.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const original = db.get.bind(db);
    vi.spyOn(db, "get").mockImplementationOnce((async (key: string, options: unknown) => {
      const value = await original(key, options as never);
      await gate;
      return value;
    }) as typeof db.get);
    const racingRead = store.sessions.get(id);
    await store.sessions.revoke(id, 9);
    release();
    expect((await racingRead)?.revokedAt).toBeUndefined();
    expect((await store.sessions.get(id))?.revokedAt).toBe(9);
  });

  it("a logged-out access token is refused on the very next request, not served from memory", async () => {
    const { json, signUp } = await apiHarness();
    const token = await signUp("carol");
    for (let i = 0; i < 3; i++) expect((await json("GET", "/api/v1/me/profile", undefined, token)).status).toBe(200);
    expect((await json("DELETE", "/api/v1/sessions", undefined, token)).status).toBe(204);
    expect((await json("GET", "/api/v1/me/profile", undefined, token)).status).toBe(401);
  });

  it("reads a page's reactions in one pass: two lookups whatever the page size, no scan per target", async () => {
    const db = new MemoryLevel<string, unknown>();
    const store = storeOver(db as unknown as RootLevel);
    const limits = { keysPerTarget: 20, keysPerPerson: 20 };
    const targets = Array.from({ length: 20 }, (_, i) => ({ kind: "message" as const, id: asReactionTargetId(`m${i}`) }));
    for (const [i, target] of targets.entries()) {
      await store.reactions.add({ target, key: "👍", by: asPersonId("alice"), at: i }, limits);
      if (i % 2 === 0) await store.reactions.add({ target, key: "🎉", by: asPersonId("bob"), at: i }, limits);
      if (i % 3 === 0) await store.reactions.add({ target, key: "🎉", by: asPersonId("alice"), at: i }, limits);
    }
    const cold = storeOver(db as unknown as RootLevel); // nothing in memory yet
    await cold.reactions.keysBy({ kind: "post", id: asReactionTargetId("unrelated") }, asPersonId("alice")); // its once-per-process index check
    const reads = countReads(db);
    const summaries = await reactionSummaries(cold.reactions, targets, asPersonId("alice"));
    expect(reads()).toEqual({ get: 0, getMany: 2, iterator: 0, keys: 0, values: 0 });
    // The counters are then answered from memory: only the reader's own keys are read again.
    expect(await reactionSummaries(cold.reactions, targets, asPersonId("alice"))).toEqual(summaries);
    expect(reads()).toEqual({ get: 0, getMany: 3, iterator: 0, keys: 0, values: 0 });
    expect(summaries[0]).toEqual({ reactions: { "👍": 1, "🎉": 2 }, myReactions: ["🎉", "👍"] });
    expect(summaries[1]).toEqual({ reactions: { "👍": 1 }, myReactions: ["👍"] });
    expect(summaries[2]).toEqual({ reactions: { "👍": 1, "🎉": 1 }, myReactions: ["👍"] });
    await cold.reactions.remove(targets[0]!, asPersonId("alice"), "🎉");
    expect((await reactionSummaries(cold.reactions, [targets[0]!], asPersonId("alice")))[0]).toEqual({ reactions: { "👍": 1, "🎉": 1 }, myReactions: ["👍"] });
    await cold.reactions.add({ target: targets[1]!, key: "🎉", by: asPersonId("carol"), at: 9 }, limits);
    expect((await cold.reactions.countsMany([targets[1]!]))[0]).toEqual({ "👍": 1, "🎉": 1 });
    await cold.reactions.remove(targets[1]!, asPersonId("alice"), "👍");
    await cold.reactions.remove(targets[1]!, asPersonId("carol"), "🎉");
    expect((await cold.reactions.countsMany([targets[1]!]))[0]).toEqual({});
  });

  it("builds the per-person reaction index from reactions stored before it existed", async () => {
    const db = new MemoryLevel<string, unknown>();
    const store = storeOver(db as unknown as RootLevel);
    const target = { kind: "post" as const, id: asReactionTargetId("p1") };
    await store.reactions.add({ target, key: "👍", by: asPersonId("alice"), at: 1 }, { keysPerTarget: 20, keysPerPerson: 20 });
    // As a store written by an earlier version: reactions and counters, no index, no marker.
    await db.sublevel("reaction-keys-by-person").clear();
    await db.sublevel("meta", { valueEncoding: "json" }).del("index-built:reaction-keys-by-person");
    const reopened = storeOver(db as unknown as RootLevel);
    expect(await reopened.reactions.keysByMany([target], asPersonId("alice"))).toEqual([["👍"]]);
  });

  it("reads a page of messages by key, without scanning the timeline; a missing entry falls back to the scan", async () => {
    const db = new MemoryLevel<string, unknown>();
    const store = storeOver(db as unknown as RootLevel);
    const base = { roomId: "r1", sender: "alice", body: "b", html: "<p>b</p>", createdAt: 1, deleted: false };
    for (let i = 1; i <= 30; i++) await store.messages.append({ ...base, id: `m${i}` } as never);
    const reads = countReads(db);
    expect((await store.messages.page(asRoomId("r1"), { limit: 20 })).map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 30 - i));
    expect((await store.messages.page(asRoomId("r1"), { limit: 20, beforeSeq: 5 })).map((m) => m.seq)).toEqual([4, 3, 2, 1]);
    expect(await store.messages.page(asRoomId("r1"), { limit: 20, beforeSeq: 1 })).toEqual([]);
    expect(await store.messages.page(asRoomId("nowhere"), { limit: 20 })).toEqual([]);
    expect(reads()).toMatchObject({ iterator: 0, keys: 0, values: 0 });
    // A timeline entry gone (as a future expiry might leave it): the page is still full.
    await db.sublevel("room-timeline").del(`r1\x00${"29".padStart(16, "0")}`);
    expect((await store.messages.page(asRoomId("r1"), { limit: 5 })).map((m) => m.seq)).toEqual([30, 28, 27, 26, 25]);
  });
});
