import { describe, expect, it } from "vitest";
import { WriteThrottle } from "../../src/platform/accounts/WriteThrottle.js";
import { apiHarness } from "../support/apiHarness.js";

describe("WriteThrottle", () => {
  it("allows a burst, then refills at the sustained rate, per account", () => {
    let now = 0;
    const throttle = new WriteThrottle({ perMinute: 6, burst: 3 }, () => now);
    expect([throttle.take("a"), throttle.take("a"), throttle.take("a")]).toEqual([0, 0, 0]);
    expect(throttle.take("a")).toBe(10);
    expect(throttle.take("b")).toBe(0);
    now += 9_000;
    expect(throttle.take("a")).toBe(1);
    now += 1_000;
    expect(throttle.take("a")).toBe(0);
    expect(throttle.take("a")).toBe(10);
    // A long pause refills to the burst, never beyond it.
    now += 3_600_000;
    expect([throttle.take("a"), throttle.take("a"), throttle.take("a"), throttle.take("a")]).toEqual([0, 0, 0, 10]);
  });

  it("charges a write by the size of its text; one costlier than the burst leaves the bucket in debt", () => {
    let now = 0;
    const throttle = new WriteThrottle({ perMinute: 60, burst: 5, charsPerWrite: 1000 }, () => now);
    expect([throttle.cost(0), throttle.cost(999), throttle.cost(1000), throttle.cost(100_000)]).toEqual([1, 1, 2, 101]);
    expect(throttle.take("a", 2_500)).toBe(0); // 3 of 5
    expect(throttle.take("a", 2_500)).toBe(1); // needs 3, has 2
    expect(throttle.take("a", 10)).toBe(0); // 1 left
    now += 4_000; // 5 again (full)
    expect(throttle.take("a", 100_000)).toBe(0); // 101 on a full bucket of 5: 96 in debt
    expect(throttle.take("a")).toBe(97); // a second of refill per write, until one is back
    now += 96_000;
    expect(throttle.take("a")).toBe(1);
    now += 1_000;
    expect(throttle.take("a")).toBe(0);
    // Without charsPerWrite every write costs one, however long.
    expect(new WriteThrottle({ perMinute: 1, burst: 1 }).take("b", 1_000_000)).toBe(0);
  });

  it("refuses nonsense settings", () => {
    expect(() => new WriteThrottle({ perMinute: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new WriteThrottle({ perMinute: 1, burst: 0 })).toThrow(RangeError);
    expect(() => new WriteThrottle({ perMinute: 1, burst: 1, charsPerWrite: 0 })).toThrow(RangeError);
  });
});

describe("per-account write limits through the API", () => {
  async function setup() {
    let now = Date.UTC(2026, 0, 1);
    const h = await apiHarness({ writes: { perMinute: 60, burst: 3 }, now: () => now });
    const alice = await h.signUp("alice");
    const bob = await h.signUp("bob");
    const room = (await h.json("POST", "/api/v1/rooms", { name: "r", invite: ["bob"] }, alice)).body;
    return { ...h, alice, bob, room, advance: (ms: number) => (now += ms) };
  }

  it("refuses the write past the budget with RATE_LIMITED and Retry-After, and only for that account", async () => {
    const { json, alice, bob, room, advance } = await setup();
    // Room creation took one; two left.
    for (const body of ["1", "2"]) expect((await json("POST", `/api/v1/rooms/${room.id}/messages`, { body }, alice)).status).toBe(201);
    const refused = await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "3" }, alice);
    expect(refused).toMatchObject({ status: 429, body: { error: { code: "RATE_LIMITED" } } });
    expect(refused.headers["retry-after"]).toBe("1");
    // Nothing was stored for the refused write.
    expect((await json("GET", `/api/v1/rooms/${room.id}/messages`, undefined, alice)).body.messages.map((m: { body: string }) => m.body)).toEqual(["2", "1"]);
    // Reads are not writes; other accounts have their own budget.
    for (let i = 0; i < 5; i++) expect((await json("GET", "/api/v1/rooms", undefined, alice)).status).toBe(200);
    expect((await json("POST", `/api/v1/rooms/${room.id}/members`, { handle: "bob" }, bob)).status).toBe(200);
    // The budget is shared by every kind of change, and comes back with time.
    expect((await json("PATCH", "/api/v1/me/profile", { bio: "x" }, alice)).status).toBe(429);
    expect((await json("POST", "/api/v1/blogs/alice/posts", { title: "t", body: "b" }, alice)).status).toBe(429);
    advance(1_000);
    expect((await json("POST", "/api/v1/blogs/alice/posts", { title: "t", body: "b" }, alice)).status).toBe(201);
    // A method the path does not take is 405 (with Allow), not a write.
    expect((await json("PUT", `/api/v1/rooms/${room.id}/messages`, undefined, alice)).status).toBe(405);
  });

  it("charges long texts more: every text field of the body counts", async () => {
    let now = Date.UTC(2026, 0, 1);
    const { json, signUp } = await apiHarness({ writes: { perMinute: 60, burst: 10, charsPerWrite: 100 }, now: () => now });
    const alice = await signUp("alice");
    // 1 + (250 + 160) / 100 = 5 writes; 5 left.
    expect((await json("POST", "/api/v1/blogs/alice/posts", { title: "t".repeat(160), body: "b".repeat(250) }, alice)).status).toBe(201);
    // A profile carrying 450 characters in two fields costs 5 as well: the rest of the budget.
    expect((await json("PATCH", "/api/v1/me/profile", { bio: "x".repeat(300), customCss: "a{}".repeat(50) }, alice)).status).toBe(200);
    const refused = await json("PATCH", "/api/v1/me/profile", { bio: "y" }, alice);
    expect(refused).toMatchObject({ status: 429, body: { error: { code: "RATE_LIMITED" } } });
    now += 1_000;
    expect((await json("PATCH", "/api/v1/me/profile", { bio: "y" }, alice)).status).toBe(200);
    // A post longer than the whole budget is still possible on a full bucket, then paid for over time.
    now += 60_000;
    expect((await json("POST", "/api/v1/blogs/alice/posts", { title: "long", body: "z".repeat(2_000) }, alice)).status).toBe(201);
    const after = await json("POST", "/api/v1/blogs/alice/posts", { title: "next", body: "n" }, alice);
    expect(after.status).toBe(429);
    expect(after.headers["retry-after"]).toBe("12");
  });

  it("does not charge requests that fail validation or authentication", async () => {
    const { json, alice, room } = await setup();
    for (let i = 0; i < 10; i++) expect((await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: 5 }, alice)).status).toBe(400);
    for (let i = 0; i < 10; i++) expect((await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "x" }, "not-a-token")).status).toBe(401);
    expect((await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "ok" }, alice)).status).toBe(201);
  });

  it("covers every route that changes state, and documents 429 on exactly those", async () => {
    const { app, json, alice } = await setup();
    const spec = (await app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    // A request that passes validation on each changing route (ids need only be well-formed:
    // the budget is checked before the route looks anything up).
    const valid: Record<string, { url: string; body?: unknown }> = {
      "post /api/v1/rooms": { url: "/api/v1/rooms", body: { name: "n" } },
      "post /api/v1/rooms/{roomId}/members": { url: "/api/v1/rooms/r1/members", body: { handle: "bob" } },
      "delete /api/v1/rooms/{roomId}/members/me": { url: "/api/v1/rooms/r1/members/me" },
      "post /api/v1/rooms/{roomId}/join": { url: "/api/v1/rooms/r1/join" },
      "delete /api/v1/rooms/{roomId}/members/{member}": { url: "/api/v1/rooms/r1/members/bob?ban=true" },
      "delete /api/v1/rooms/{roomId}/bans/{member}": { url: "/api/v1/rooms/r1/bans/bob" },
      "post /api/v1/dms": { url: "/api/v1/dms", body: { handle: "bob" } },
      "post /api/v1/rooms/{roomId}/messages": { url: "/api/v1/rooms/r1/messages", body: { body: "b" } },
      "patch /api/v1/messages/{messageId}": { url: "/api/v1/messages/m1", body: { body: "b" } },
      "put /api/v1/rooms/{roomId}/read": { url: "/api/v1/rooms/r1/read", body: { messageId: "m1" } },
      "delete /api/v1/messages/{messageId}": { url: "/api/v1/messages/m1" },
      "patch /api/v1/me/profile": { url: "/api/v1/me/profile", body: { bio: "b" } },
      "patch /api/v1/blogs/{owner}": { url: "/api/v1/blogs/alice", body: { title: "t" } },
      "post /api/v1/blogs/{owner}/posts": { url: "/api/v1/blogs/alice/posts", body: { title: "t", body: "b" } },
      "patch /api/v1/posts/{postId}": { url: "/api/v1/posts/p_AAAAAAAAAAAAAAAA", body: { title: "t" } },
      "delete /api/v1/posts/{postId}": { url: "/api/v1/posts/p_AAAAAAAAAAAAAAAA" },
      "post /api/v1/posts/{postId}/comments": { url: "/api/v1/posts/p_AAAAAAAAAAAAAAAA/comments", body: { body: "b" } },
      "patch /api/v1/comments/{commentId}": { url: "/api/v1/comments/c_AAAAAAAAAAAAAAAA", body: { body: "b" } },
      "delete /api/v1/comments/{commentId}": { url: "/api/v1/comments/c_AAAAAAAAAAAAAAAA" },
    };
    for (const kind of ["posts/p_AAAAAAAAAAAAAAAA", "comments/c_AAAAAAAAAAAAAAAA", "messages/m1"]) {
      const path = `/api/v1/${kind.split("/")[0]}/{id}/reactions/{key}`;
      for (const method of ["put", "delete"]) valid[`${method} ${path}`] = { url: `/api/v1/${kind}/reactions/%F0%9F%91%8D` };
    }
    const unlimited = new Set(["post /api/v1/accounts", "post /api/v1/sessions", "post /api/v1/sessions/refresh", "delete /api/v1/sessions"]);
    // Editors' previews are counted in a budget of their own (the same size): spent apart, below.
    const previews: Record<string, { url: string; body: unknown }> = {
      "post /api/v1/previews/markdown": { url: "/api/v1/previews/markdown", body: { body: "b" } },
      "post /api/v1/me/profile/preview": { url: "/api/v1/me/profile/preview", body: { bio: "b" } },
    };
    const previewing: string[] = [];
    // Spend alice's budget (room creation in setup took one of three).
    for (let i = 0; i < 2; i++) await json("POST", "/api/v1/rooms", { name: "spend" }, alice);
    const changing: string[] = [];
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const route = `${method} ${path}`;
        if (unlimited.has(route) || method === "get") {
          expect("429" in operation.responses, route).toBe(unlimited.has(route) && method === "post");
          continue;
        }
        expect("429" in operation.responses, route).toBe(true);
        if (route in previews) {
          previewing.push(route);
          continue;
        }
        changing.push(route);
        const request = valid[route];
        expect(request, `${route} needs a valid request in this table`).toBeDefined();
        const res = await json(method.toUpperCase(), request!.url, request!.body, alice);
        expect(res, route).toMatchObject({ status: 429, body: { error: { code: "RATE_LIMITED" } } });
      }
    }
    expect(changing.sort()).toEqual(Object.keys(valid).sort());
    // The spent write budget leaves previews alone; past their own, they are refused alike.
    for (let i = 0; i < 3; i++) expect((await json("POST", "/api/v1/previews/markdown", { body: "b" }, alice)).status).toBe(200);
    for (const [route, request] of Object.entries(previews)) {
      expect(await json("POST", request.url, request.body, alice), route).toMatchObject({ status: 429, body: { error: { code: "RATE_LIMITED" } } });
    }
    expect(previewing.sort()).toEqual(Object.keys(previews).sort());
  });
});
