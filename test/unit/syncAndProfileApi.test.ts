import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Static } from "@sinclair/typebox";
import { describe, expect, expectTypeOf, it, vi } from "vitest";
import type { SyncEventData } from "../../src/api/routes/syncRoutes.js";
import { parseConfig } from "../../src/config/loadConfig.js";
import { createLogger } from "../../src/log/createLogger.js";
import type { DomainEvent } from "../../src/platform/events/DomainEvent.js";
import { apiHarness } from "../support/apiHarness.js";

type Harness = Awaited<ReturnType<typeof apiHarness>>;

/** Waits for a condition, not for a time: the bound only ends a test that would otherwise hang. */
const until = (check: () => void) => vi.waitFor(check, { timeout: 60_000, interval: 5 });

describe("long-poll sync API", () => {
  it("returns the current position at once, then wakes a waiting poll with the new event", async () => {
    const h = await apiHarness();
    const alice = await h.signUp("alice");
    const bob = await h.signUp("bob");
    const dm = (await h.json("POST", "/api/v1/dms", { handle: "bob" }, alice)).body;
    const first = await h.json("GET", "/api/v1/sync", undefined, bob);
    expect(first).toMatchObject({ status: 200, body: { events: [], next: expect.any(String) } });

    let settled = false;
    const poll = h.json("GET", `/api/v1/sync?since=${encodeURIComponent(first.body.next)}&timeout=60000`, undefined, bob).finally(() => {
      settled = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    const sent = (await h.json("POST", `/api/v1/rooms/${dm.id}/messages`, { body: "wake up" }, alice)).body;
    const woke = await poll;
    expect(woke.status).toBe(200);
    expect(woke.body.events).toEqual([
      { kind: "message.created", roomId: dm.id, data: expect.objectContaining({ messageId: sent.id, by: "alice" }), object: expect.objectContaining({ id: sent.id, body: "wake up" }) },
    ]);
    expect(woke.body.next).not.toBe(first.body.next);
  });

  it("delivers every kind of domain event with all of its fields", async () => {
    expectTypeOf<DomainEvent & { at: string }>().toExtend<Static<typeof SyncEventData>>();
    const h = await apiHarness();
    const alice = await h.signUp("alice");
    const bob = await h.signUp("bob");
    const { next } = (await h.json("GET", "/api/v1/sync", undefined, alice)).body;
    const room = (await h.json("POST", "/api/v1/rooms", { name: "All", invite: ["bob"] }, alice)).body;
    await h.json("POST", `/api/v1/rooms/${room.id}/members`, { handle: "bob" }, bob);
    const message = (await h.json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "m" }, bob)).body;
    await h.json("PATCH", `/api/v1/messages/${message.id}`, { body: "m2" }, bob);
    await h.json("PUT", `/api/v1/rooms/${room.id}/read`, { messageId: message.id }, alice);
    await h.json("PUT", `/api/v1/messages/${message.id}/reactions/x`, undefined, bob);
    await h.json("DELETE", `/api/v1/messages/${message.id}/reactions/x`, undefined, bob);
    await h.json("DELETE", `/api/v1/messages/${message.id}`, undefined, bob);
    const post = (await h.json("POST", "/api/v1/blogs/alice/posts", { title: "T", body: "b" }, alice)).body;
    await h.json("PATCH", `/api/v1/posts/${post.id}`, { body: "b2" }, alice);
    const comment = (await h.json("POST", `/api/v1/posts/${post.id}/comments`, { body: "c" }, bob)).body;
    await h.json("PATCH", `/api/v1/comments/${comment.id}`, { body: "c2" }, bob);
    await h.json("DELETE", `/api/v1/comments/${comment.id}`, undefined, bob);
    await h.json("DELETE", `/api/v1/posts/${post.id}`, undefined, alice);
    await h.json("PATCH", "/api/v1/me/profile", { displayName: "Alice", bio: "hi" }, alice);

    const forAlice = h.published.filter((p) => p.audience.includes("alice"));
    expect(new Set(forAlice.map((p) => p.event.type)).size).toBe(15);
    expect(forAlice.at(-1)!.event).toEqual({ type: "profile.changed", name: "alice", fields: ["displayName", "bio"], by: "alice" });
    const synced = await h.json("GET", `/api/v1/sync?since=${encodeURIComponent(next)}&timeout=0`, undefined, alice);
    expect(synced.status).toBe(200);
    expect(synced.body.events.map((e: { data: unknown }) => e.data)).toEqual(forAlice.map((p) => ({ ...p.event, at: new Date(p.at).toISOString() })));
  });

  it("gives each user only their own events when separate publishes to different users wake them in one tick", { timeout: 120_000 }, async () => {
    const h = await apiHarness();
    const alice = await h.signUp("alice");
    const bob = await h.signUp("bob");
    const since = (await h.json("GET", "/api/v1/sync", undefined, alice)).body.next as string;
    const poll = (token: string) => h.json("GET", `/api/v1/sync?since=${encodeURIComponent(since)}&timeout=60000`, undefined, token);
    const alicePoll = poll(alice);
    const bobPoll = poll(bob);
    await until(() => expect(h.hub.stats().waiters).toBe(2));
    // Two private messages, one to each, published in the same synchronous run: both polls wake together.
    h.events.emit({ type: "message.created", roomId: "r_alice_carol", messageId: "m_for_alice", by: "carol" }, ["alice"]);
    h.events.emit({ type: "message.created", roomId: "r_bob_dave", messageId: "m_for_bob", by: "dave" }, ["bob"]);
    const [forAlice, forBob] = await Promise.all([alicePoll, bobPoll]);
    expect(forAlice.status).toBe(200);
    expect(forBob.status).toBe(200);
    expect(forAlice.body.events.map((e: { data: { messageId: string } }) => e.data.messageId)).toEqual(["m_for_alice"]);
    expect(forBob.body.events.map((e: { data: { messageId: string } }) => e.data.messageId)).toEqual(["m_for_bob"]);
    expect(forAlice.body.events[0].roomId).toBe("r_alice_carol");
    expect(forBob.body.events[0].roomId).toBe("r_bob_dave");
    // Each next token resumes right after that user's own event: nothing is skipped or repeated.
    expect((await h.json("GET", `/api/v1/sync?since=${encodeURIComponent(forAlice.body.next)}&timeout=0`, undefined, alice)).body.events).toEqual([]);
    expect((await h.json("GET", `/api/v1/sync?since=${encodeURIComponent(forBob.body.next)}&timeout=0`, undefined, bob)).body.events).toEqual([]);
  });

  it("times out with no events, and refuses forged or garbage tokens", async () => {
    const h = await apiHarness();
    const alice = await h.signUp("alice");
    const { next } = (await h.json("GET", "/api/v1/sync", undefined, alice)).body;
    const empty = await h.json("GET", `/api/v1/sync?since=${encodeURIComponent(next)}&timeout=0`, undefined, alice);
    expect(empty.body.events).toEqual([]);
    const forged = next.slice(0, -4) + (next.endsWith("AAAA") ? "BBBB" : "AAAA");
    for (const token of [forged, "garbage", "x".repeat(150)]) {
      const res = await h.json("GET", `/api/v1/sync?since=${encodeURIComponent(token)}&timeout=0`, undefined, alice);
      expect(res.status, token).toBe(400);
      expect(res.body.error.message).toMatch(/stale or invalid/);
    }
    expect((await h.json("GET", "/api/v1/sync?timeout=999999", undefined, alice)).status).toBe(400);
    expect((await h.json("GET", "/api/v1/sync")).status).toBe(401);
  });
});

describe("long-poll bounds", () => {
  /** Polls `token`'s stream from `since`, keeping the answer readable before it settles. */
  const parkedPoll = (h: Harness, token: string, since: string) => {
    const state: { answer?: { status: number; body: any; headers: Record<string, unknown> } } = {};
    const done = h.json("GET", `/api/v1/sync?since=${encodeURIComponent(since)}&timeout=60000`, undefined, token).then((answer) => (state.answer = answer));
    return Object.assign(state, { done });
  };

  it("one session holds at most api.sync.maxWaitsPerSession polls: each new one answers the oldest at once, empty", { timeout: 120_000 }, async () => {
    const limits = parseConfig({}).api.sync;
    const h = await apiHarness({ sync: limits });
    const alice = await h.signUp("alice");
    const since = (await h.json("GET", "/api/v1/sync", undefined, alice)).body.next as string;
    const polls = Array.from({ length: 100 }, () => parkedPoll(h, alice, since));
    await until(() => expect(polls.filter((poll) => poll.answer !== undefined)).toHaveLength(100 - limits.maxWaitsPerSession));
    expect(h.hub.stats()).toMatchObject({ waiters: limits.maxWaitsPerSession, displaced: 100 - limits.maxWaitsPerSession });
    const displaced = polls.filter((poll) => poll.answer !== undefined);
    for (const poll of displaced) expect(poll.answer).toMatchObject({ status: 200, body: { events: [], next: since } });

    h.events.emit({ type: "profile.changed", name: "alice", fields: ["bio"], by: "alice" }, ["alice"]);
    const woken = await Promise.all(polls.filter((poll) => !displaced.includes(poll)).map((poll) => poll.done));
    expect(woken).toHaveLength(limits.maxWaitsPerSession);
    for (const answer of woken) expect(answer.body.events.map((e: { kind: string }) => e.kind)).toEqual(["profile.changed"]);
    // A displaced client polls on from the token it got and misses nothing.
    const resumed = await h.json("GET", `/api/v1/sync?since=${encodeURIComponent(displaced[0]!.answer!.body.next)}&timeout=0`, undefined, alice);
    expect(resumed.body.events.map((e: { kind: string }) => e.kind)).toEqual(["profile.changed"]);
    expect(h.hub.stats().waiters).toBe(0);
  });

  it("one account holds at most api.sync.maxWaitsPerAccount polls across its sessions", { timeout: 120_000 }, async () => {
    const limits = parseConfig({}).api.sync;
    const h = await apiHarness({ sync: limits });
    const first = await h.signUp("alice");
    const sessions = [first];
    while (sessions.length * limits.maxWaitsPerSession <= limits.maxWaitsPerAccount) {
      sessions.push((await h.json("POST", "/api/v1/sessions", { username: "alice", password: "correct horse battery" })).body.accessToken);
    }
    const since = (await h.json("GET", "/api/v1/sync", undefined, first)).body.next as string;
    const polls = sessions.flatMap((token) => Array.from({ length: limits.maxWaitsPerSession }, () => parkedPoll(h, token, since)));
    const extra = polls.length - limits.maxWaitsPerAccount;
    expect(extra).toBeGreaterThan(0);
    await until(() => expect(polls.filter((poll) => poll.answer !== undefined)).toHaveLength(extra));
    expect(h.hub.stats()).toMatchObject({ waiters: limits.maxWaitsPerAccount, displaced: extra });
    for (const poll of polls) if (poll.answer) expect(poll.answer).toMatchObject({ status: 200, body: { events: [], next: since } });
    h.hub.close();
    await Promise.all(polls.map((poll) => poll.done));
  });

  it("past api.sync.maxWaits a poll that would wait is answered 503 OVERLOADED with Retry-After; /metrics counts them", { timeout: 120_000 }, async () => {
    const h = await apiHarness({ sync: { ...parseConfig({}).api.sync, maxWaits: 3 } });
    const tokens = await Promise.all(["alice", "bob", "carol", "dave"].map((name) => h.signUp(name)));
    const since = (await h.json("GET", "/api/v1/sync", undefined, tokens[0])).body.next as string;
    const polls = tokens.slice(0, 3).map((token) => parkedPoll(h, token, since));
    await until(() => expect(h.hub.stats().waiters).toBe(3));
    const refused = await h.json("GET", `/api/v1/sync?since=${encodeURIComponent(since)}&timeout=60000`, undefined, tokens[3]);
    expect(refused).toMatchObject({ status: 503, body: { error: { code: "OVERLOADED", message: expect.stringMatching(/try again/) } } });
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    // Answering at once needs no room.
    expect((await h.json("GET", `/api/v1/sync?since=${encodeURIComponent(since)}&timeout=0`, undefined, tokens[3])).status).toBe(200);

    const metrics = (await h.app.inject({ url: "/metrics" })).body;
    expect(metrics).toMatch(/^mirage_sync_polls_waiting 3$/m);
    expect(metrics).toMatch(/^mirage_sync_polls_refused_total 1$/m);
    expect(metrics).toMatch(/^mirage_sync_polls_displaced_total 0$/m);
    h.hub.close();
    await Promise.all(polls.map((poll) => poll.done));
  });
});

describe("long-poll disconnects", () => {
  it("are logged at debug level without a stack, and release the wait", { timeout: 120_000 }, async () => {
    const lines: string[] = [];
    const h = await apiHarness({ logger: createLogger("debug", { write: (line: string) => void lines.push(line) }) });
    await h.app.listen({ port: 0, host: "127.0.0.1" });
    try {
      const { port } = h.app.server.address() as AddressInfo;
      const alice = await h.signUp("alice");
      const since = (await h.json("GET", "/api/v1/sync", undefined, alice)).body.next as string;
      // A real socket: the client hangs up while its poll is parked.
      const request = http.get({ host: "127.0.0.1", port, path: `/api/v1/sync?since=${encodeURIComponent(since)}&timeout=60000`, headers: { authorization: `Bearer ${alice}` } });
      request.on("error", () => undefined);
      await until(() => expect(h.hub.stats().waiters).toBe(1));
      request.destroy();
      await until(() => expect(lines.some((line) => line.includes("long-poll client went away"))).toBe(true));
      expect(h.hub.stats()).toMatchObject({ waiters: 0, timerArmed: false });

      const entries = lines.map((line) => JSON.parse(line) as { level: number; msg: string; err?: unknown });
      const left = entries.filter((entry) => entry.msg === "long-poll client went away");
      expect(left).toHaveLength(1);
      expect(left[0]!.level).toBe(20);
      expect(entries.filter((entry) => entry.level >= 40)).toEqual([]);
      expect(lines.join("\n")).not.toMatch(/"stack"|"err"/);
    } finally {
      await h.app.close();
    }
  });
});

describe("profiles API", () => {
  it("edits a profile; the public read carries only sanitized forms, the owner also sees the raw ones", async () => {
    const h = await apiHarness();
    const alice = await h.signUp("alice");
    const patch = await h.json(
      "PATCH",
      "/api/v1/me/profile",
      { displayName: "Alice A.", avatarUrl: "https://img.example/a.png", bio: "I *write*", customHtml: "<b onclick=x>hi</b>", customCss: "body{}" },
      alice,
    );
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({ displayName: "Alice A.", customHtml: "<b onclick=x>hi</b>", customHtmlSanitized: expect.not.stringContaining("<b onclick") });
    const pub = await h.json("GET", "/api/v1/users/Alice");
    expect(pub.status).toBe(200);
    expect(pub.body).toMatchObject({ name: "alice", displayName: "Alice A.", avatarUrl: "https://img.example/a.png", matrixId: "@mirage_alice:test.example" });
    expect(JSON.stringify(pub.body)).not.toContain("<b onclick");
    expect(pub.body).not.toHaveProperty("customHtmlSanitized");
    expect((await h.json("GET", "/api/v1/me/profile", undefined, alice)).body.customHtml).toBe("<b onclick=x>hi</b>");
  });

  it("validates profile edits", async () => {
    const h = await apiHarness();
    const alice = await h.signUp("alice");
    for (const body of [{ avatarUrl: "http://img.example/a.png" }, { avatarUrl: "javascript:alert(1)" }, { avatarUrl: "https://u:p@img.example/" }, { displayName: "  " }, {}, { nope: 1 }, { bio: "x".repeat(10_001) }]) {
      expect((await h.json("PATCH", "/api/v1/me/profile", body, alice)).status, JSON.stringify(body).slice(0, 60)).toBe(400);
    }
    expect((await h.json("PATCH", "/api/v1/me/profile", { bio: "x" })).status).toBe(401);
    expect((await h.json("GET", "/api/v1/users/nobody")).status).toBe(404);
  });
});
