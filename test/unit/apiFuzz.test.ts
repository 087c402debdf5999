import { describe, expect, it } from "vitest";
import { apiHarness } from "../support/apiHarness.js";
import { NASTY_VALUES, prng } from "../support/prng.js";
import { FUZZ_TAGS, openApiOperations, recordRoutes } from "../support/routeCoverage.js";
import { asPersonId } from "../../src/platform/people/Person.js";
import { asRoomId } from "../../src/platform/ids.js";

const SEED = 20261122;
const REQUESTS = 600;

describe("seeded fuzz over the accounts, profile, chat and sync routes", () => {
  it(`never answers 5xx and keeps the store consistent (seed ${SEED}, ${REQUESTS} requests)`, async () => {
    const h = await apiHarness();
    const reached = recordRoutes(h.app);
    const r = prng(SEED);
    const tokens = [await h.signUp("alice"), await h.signUp("bob"), await h.signUp("carol"), "not-a-token", ""];
    const roomIds: string[] = ["r_missing"];
    const messageIds: string[] = ["m_missing"];
    const handles = ["alice", "bob", "carol", "nobody", "@dan:matrix.example", "erin@other.example", "bad handle"];
    const value = () => (r.next() < 0.5 ? r.pick(NASTY_VALUES) : r.pick(["hello", "**bold**", "x"]));
    const maybe = <T>(v: T) => (r.next() < 0.8 ? v : value());

    const actions: Array<() => { method: string; url: string; body?: unknown }> = [
      () => ({ method: "POST", url: "/api/v1/accounts", body: { username: maybe(`u${r.int(50)}`), password: maybe("long enough pass") } }),
      () => ({ method: "POST", url: "/api/v1/sessions", body: { username: maybe(r.pick(["alice", "bob", "zed"])), password: maybe("correct horse battery") } }),
      () => ({ method: "POST", url: "/api/v1/sessions/refresh", body: { refreshToken: value() } }),
      () => ({ method: "POST", url: "/api/v1/rooms", body: { name: maybe(`room ${r.int(10)}`), invite: maybe(r.next() < 0.6 ? [] : [r.pick(handles)]) } }),
      () => ({ method: "GET", url: "/api/v1/rooms" }),
      () => ({ method: "GET", url: `/api/v1/rooms/${encodeURIComponent(String(r.pick(roomIds)))}` }),
      () => ({ method: "POST", url: `/api/v1/rooms/${r.pick(roomIds)}/members`, body: { handle: maybe(r.pick(handles)) } }),
      () => ({ method: "DELETE", url: `/api/v1/rooms/${r.pick(roomIds)}/members/me` }),
      () => ({ method: "POST", url: "/api/v1/dms", body: { handle: maybe(r.pick(handles)) } }),
      () => ({ method: "POST", url: `/api/v1/rooms/${r.pick(roomIds)}/messages`, body: { body: maybe(`msg ${r.int(1000)}`), ...(r.next() < 0.3 ? { parentId: maybe(r.pick(messageIds)) } : {}) } }),
      () => ({ method: "GET", url: `/api/v1/rooms/${r.pick(roomIds)}/messages?limit=${r.pick(["5", "0", "abc", "100", "-1"])}&before=${r.pick(["1", "x", "999"])}` }),
      () => ({ method: "PATCH", url: `/api/v1/messages/${r.pick(messageIds)}`, body: { body: maybe("edited") } }),
      () => ({ method: "DELETE", url: `/api/v1/messages/${r.pick(messageIds)}` }),
      () => ({ method: "PATCH", url: "/api/v1/me/profile", body: { [r.pick(["displayName", "bio", "avatarUrl", "customHtml", "customCss", "junk"])]: value() } }),
      () => ({ method: "GET", url: "/api/v1/me/profile" }),
      () => ({ method: "POST", url: "/api/v1/me/profile/preview", body: { [r.pick(["bio", "customHtml", "customCss", "displayName"])]: value() } }),
      () => ({ method: r.pick(["GET", "HEAD"]), url: r.pick(["/health", "/metrics"]) }),
      () => ({ method: "GET", url: `/api/v1/users/${encodeURIComponent(String(r.pick(["alice", "nobody", "%", "a/b"])))}` }),
      () => ({ method: "GET", url: `/api/v1/sync?timeout=0&since=${encodeURIComponent(String(value()))}` }),
      () => ({ method: "DELETE", url: "/api/v1/sessions" }),
      () => ({ method: "POST", url: "/api/v1/rooms", body: { name: maybe(`open ${r.int(10)}`), joinRule: maybe(r.pick(["public", "invite", "knock"])) } }),
      () => ({ method: "POST", url: `/api/v1/rooms/${r.pick(roomIds)}/join` }),
      () => ({ method: "DELETE", url: `/api/v1/rooms/${r.pick(roomIds)}/members/${encodeURIComponent(String(r.pick(handles)))}?ban=${r.pick(["true", "false", "x"])}` }),
      () => ({
        method: "POST",
        url: `/api/v1/rooms/${r.pick(roomIds)}/messages`,
        body: { body: maybe(`in thread ${r.int(1000)}`), threadId: maybe(r.pick(messageIds)), kind: maybe(r.pick(["text", "notice", "emote", "shout"])), ...(r.next() < 0.3 ? { parentId: maybe(r.pick(messageIds)) } : {}) },
      }),
      () => ({ method: "GET", url: `/api/v1/rooms/${r.pick(roomIds)}/messages?limit=${r.pick(["5", "0", "100"])}&threadId=${encodeURIComponent(String(r.pick(messageIds)))}` }),
      () => ({ method: "DELETE", url: `/api/v1/rooms/${r.pick(roomIds)}/bans/${encodeURIComponent(String(r.pick(handles)))}` }),
      () => ({ method: "PUT", url: `/api/v1/rooms/${r.pick(roomIds)}/read`, body: { messageId: maybe(r.pick(messageIds)) } }),
    ];

    // Sending is where most state changes: weigh it up.
    const send = actions[9]!;
    actions.push(send, send, send);
    for (let i = 0; i < REQUESTS; i++) {
      const request = r.pick(actions)();
      const token = r.pick(tokens);
      const res = await h.app.inject({
        method: request.method as "GET",
        url: request.url,
        ...(request.body === undefined ? {} : { payload: r.next() < 0.05 ? "{broken json" : (request.body as object), headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) } }),
        ...(request.body === undefined && token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      });
      expect(res.statusCode, `${request.method} ${request.url} ${JSON.stringify(request.body)?.slice(0, 200)}`).toBeLessThan(500);
      const isJson = String(res.headers["content-type"] ?? "").startsWith("application/json");
      const body = res.body && isJson ? (JSON.parse(res.body) as { id?: string; error?: unknown }) : undefined;
      if (res.statusCode >= 400) expect(body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
      if (res.statusCode === 201 && body?.id?.startsWith("r_")) roomIds.push(body.id);
      if (res.statusCode === 201 && body?.id?.startsWith("m_")) messageIds.push(body.id);
      // A log-out kills a token; sign in again so the run keeps exercising authenticated routes.
      if (request.method === "DELETE" && request.url === "/api/v1/sessions" && res.statusCode === 204) {
        tokens[tokens.indexOf(token)] = (await h.json("POST", "/api/v1/sessions", { username: ["alice", "bob", "carol"][tokens.indexOf(token)] ?? "alice", password: "correct horse battery" })).body.accessToken;
      }
    }

    // Consistency: every membership has its index twin; every timeline entry points at its message.
    for (const roomId of roomIds.slice(1).map(asRoomId)) {
      const members = await h.store.rooms.members(roomId);
      for (const m of members) expect(await h.store.rooms.membership(roomId, m.member)).toEqual(m);
      const page = await h.store.messages.page(roomId, { limit: 1000 });
      page.forEach((m, i) => {
        expect(m.roomId).toBe(roomId);
        expect(m.seq).toBe(page.length - i);
      });
    }
    for (const name of ["alice", "bob", "carol"]) {
      for (const m of await h.store.rooms.roomsOf(asPersonId(name))) expect(await h.store.rooms.membership(m.roomId, asPersonId(name))).toEqual(m);
    }
    expect(roomIds.length).toBeGreaterThan(3);
    expect(messageIds.length).toBeGreaterThan(3);

    // Every route of this test's areas was reached, and the two fuzz tests share out every area.
    const operations = await openApiOperations(h.app);
    const mine = operations.filter((op) => op.tags.some((tag) => (FUZZ_TAGS.core as readonly string[]).includes(tag))).map((op) => op.route);
    expect(mine.filter((route) => !reached.has(route))).toEqual([]);
    const shared = new Set<string>([...FUZZ_TAGS.core, ...FUZZ_TAGS.blogs, "media"]);
    expect(operations.filter((op) => !op.tags.some((tag) => shared.has(tag))).map((op) => op.route)).toEqual([]);
  });
});
