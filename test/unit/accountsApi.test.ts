import { SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { apiHarness, TEST_SECRET } from "../support/apiHarness.js";

const creds = (username: string, password = "correct horse battery") => ({ username, password });

describe("accounts and sessions API", () => {
  it("signs up, returning tokens and the public user with its Matrix ID", async () => {
    const { json } = await apiHarness();
    const res = await json("POST", "/api/v1/accounts", creds("Alice"));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
      user: { name: "alice", displayName: "alice", avatarUrl: "", matrixId: "@mirage_alice:test.example" },
    });
    expect(JSON.stringify(res.body)).not.toContain("passwordHash");
  });

  it("rejects taken names, bad names, weak passwords and unknown fields with clear errors", async () => {
    const { json } = await apiHarness();
    await json("POST", "/api/v1/accounts", creds("bob"));
    expect(await json("POST", "/api/v1/accounts", creds("BOB"))).toMatchObject({ status: 409, body: { error: { code: "CONFLICT" } } });
    for (const name of ["a", "-bob", "bob smith", "bób", "x".repeat(40), "bob.", "b..ob"]) {
      const res = await json("POST", "/api/v1/accounts", creds(name));
      expect(res.status, name).toBe(400);
      expect(res.body.error.code).toBe("INVALID_INPUT");
    }
    for (const name of ["admin", "mirage_x"]) {
      expect(await json("POST", "/api/v1/accounts", creds(name)), name).toMatchObject({ status: 400, body: { error: { code: "NAME_RESERVED" } } });
    }
    expect((await json("POST", "/api/v1/accounts", creds("carol", "short"))).body.error.message).toContain("at least 8");
    expect((await json("POST", "/api/v1/accounts", { ...creds("carol"), admin: true })).status).toBe(400);
    expect((await json("POST", "/api/v1/accounts", { username: "carol" })).status).toBe(400);
  });

  it("logs in with the right password only, with one message for wrong password and unknown user", async () => {
    const { json } = await apiHarness();
    await json("POST", "/api/v1/accounts", creds("dave"));
    expect((await json("POST", "/api/v1/sessions", creds("DAVE"))).status).toBe(200);
    const wrong = await json("POST", "/api/v1/sessions", creds("dave", "wrong password!"));
    const unknown = await json("POST", "/api/v1/sessions", creds("nobody"));
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: "UNAUTHENTICATED" } } });
    expect(unknown.body).toEqual(wrong.body);
  });

  it("an attacker hammering one account cannot lock its owner out: failures count per account and source", async () => {
    let now = Date.now();
    const { app, json } = await apiHarness({ now: () => now });
    await json("POST", "/api/v1/accounts", creds("erin"));
    await json("POST", "/api/v1/accounts", creds("frank"));
    const logIn = async (body: object, remoteAddress: string) => {
      const res = await app.inject({ method: "POST", url: "/api/v1/sessions", payload: body, remoteAddress });
      return { status: res.statusCode, body: res.json(), retryAfter: Number(res.headers["retry-after"]) };
    };
    const attacker = "203.0.113.7";
    for (let i = 0; i < 5; i++) expect((await logIn(creds("erin", "bad password"), attacker)).status).toBe(401);
    for (let i = 0; i < 20; i++) {
      const refused = await logIn(creds("erin", "bad password"), attacker);
      expect(refused).toMatchObject({ status: 429, body: { error: { code: "RATE_LIMITED" } } });
      expect(refused.retryAfter).toBeGreaterThan(0);
    }
    // The right password from the attacker's address waits too; from anywhere else it works at once.
    expect((await logIn(creds("erin"), attacker)).status).toBe(429);
    expect((await logIn(creds("erin"), "198.51.100.2")).status).toBe(200);
    expect((await logIn(creds("frank"), attacker)).status).toBe(200);
    // The wait grows with each failure after it: 1 minute, then 2.
    expect((await logIn(creds("erin", "bad password"), attacker)).retryAfter).toBe(60);
    now += 61_000;
    expect((await logIn(creds("erin", "bad password"), attacker)).status).toBe(401);
    expect((await logIn(creds("erin", "bad password"), attacker)).retryAfter).toBe(120);
  });

  it("counts an IPv6 /64 as one source", async () => {
    const { app, json } = await apiHarness();
    await json("POST", "/api/v1/accounts", creds("gwen"));
    const status = async (password: string, remoteAddress: string) =>
      (await app.inject({ method: "POST", url: "/api/v1/sessions", payload: creds("gwen", password), remoteAddress })).statusCode;
    for (let i = 1; i <= 5; i++) expect(await status("bad password", `2001:db8:0:7::${i}`)).toBe(401);
    expect(await status("bad password", "2001:db8:0:7:ffff::1")).toBe(429);
    expect(await status("correct horse battery", "2001:db8:0:8::1")).toBe(200);
  });

  it("a guess from many addresses slows every log-in on the account down, refusing none", async () => {
    const delays: number[] = [];
    const { app, json } = await apiHarness({ loginThrottle: { perSource: 3, perAccount: 20 }, sleep: async (ms) => void delays.push(ms) });
    await json("POST", "/api/v1/accounts", creds("hugo"));
    const logIn = async (password: string, remoteAddress: string) =>
      (await app.inject({ method: "POST", url: "/api/v1/sessions", payload: creds("hugo", password), remoteAddress })).statusCode;
    for (let source = 0; source < 10; source++) {
      for (let i = 0; i < 3; i++) expect(await logIn("bad password", `192.0.2.${source}`)).toBe(401);
    }
    expect(delays.length).toBe(10); // attempts 21 to 30 waited
    expect(delays.every((ms) => ms > 0 && ms <= 5000)).toBe(true);
    expect(await logIn("correct horse battery", "198.51.100.9")).toBe(200);
    expect(delays.length).toBe(11);
  });

  it("rate-limits sign-up and log-in per IP", async () => {
    const { json } = await apiHarness({ signUpPerHour: 2, loginPerMinute: 3 });
    expect((await json("POST", "/api/v1/accounts", creds("gina"))).status).toBe(201);
    expect((await json("POST", "/api/v1/accounts", creds("hank"))).status).toBe(201);
    const third = await json("POST", "/api/v1/accounts", creds("ivan"));
    expect(third).toMatchObject({ status: 429, body: { error: { code: "RATE_LIMITED" } } });
    for (let i = 0; i < 3; i++) await json("POST", "/api/v1/sessions", creds("gina"));
    expect((await json("POST", "/api/v1/sessions", creds("gina"))).status).toBe(429);
  });

  it("rotates refresh tokens; reusing a retired one after the grace window ends the whole session", async () => {
    let now = Date.now();
    const { json } = await apiHarness({ now: () => now });
    const first = (await json("POST", "/api/v1/accounts", creds("judy"))).body;
    const second = await json("POST", "/api/v1/sessions/refresh", { refreshToken: first.refreshToken });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    now += 31_000;
    const replay = await json("POST", "/api/v1/sessions/refresh", { refreshToken: first.refreshToken });
    expect(replay).toMatchObject({ status: 401, body: { error: { code: "UNAUTHENTICATED" } } });
    // The thief's replay revoked the family: the legitimate new token is dead too.
    expect((await json("POST", "/api/v1/sessions/refresh", { refreshToken: second.body.refreshToken })).status).toBe(401);
    expect((await json("DELETE", "/api/v1/sessions", undefined, second.body.accessToken)).status).toBe(401);
    expect((await json("POST", "/api/v1/sessions/refresh", { refreshToken: "garbage" })).status).toBe(401);
  });

  it("two tabs refreshing at once with the same token both get the same new pair, and the session lives on", async () => {
    const { json, store } = await apiHarness();
    const first = (await json("POST", "/api/v1/accounts", creds("tabs"))).body;
    // Both requests in flight together: neither goes on past its token lookup before the other has made it.
    const lookups: boolean[] = [];
    let bothLooked!: () => void;
    const barrier = new Promise<void>((resolve) => (bothLooked = resolve));
    const find = store.sessions.findByTokenHash.bind(store.sessions);
    store.sessions.findByTokenHash = async (hash) => {
      const found = await find(hash);
      lookups.push(found?.current ?? false);
      if (lookups.length === 2) bothLooked();
      await barrier;
      return found;
    };
    const [a, b] = await Promise.all([
      json("POST", "/api/v1/sessions/refresh", { refreshToken: first.refreshToken }),
      json("POST", "/api/v1/sessions/refresh", { refreshToken: first.refreshToken }),
    ]);
    expect(lookups).toEqual([true, true]);
    store.sessions.findByTokenHash = find;
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.body).toEqual(a.body);
    expect(a.body.refreshToken).not.toBe(first.refreshToken);
    expect((await json("GET", "/api/v1/me/profile", undefined, a.body.accessToken)).status).toBe(200);
    const third = await json("POST", "/api/v1/sessions/refresh", { refreshToken: a.body.refreshToken });
    expect(third.status).toBe(200);
    expect((await json("GET", "/api/v1/me/profile", undefined, third.body.accessToken)).status).toBe(200);
  });

  it("within the grace window a late second tab gets the same pair; after it, or for an older token, reuse is theft", async () => {
    let now = Date.now();
    const { json } = await apiHarness({ now: () => now });
    const t0 = (await json("POST", "/api/v1/accounts", creds("late"))).body;
    const t1 = (await json("POST", "/api/v1/sessions/refresh", { refreshToken: t0.refreshToken })).body;
    now += 20_000;
    const again = await json("POST", "/api/v1/sessions/refresh", { refreshToken: t0.refreshToken });
    expect(again).toMatchObject({ status: 200, body: t1 });
    // Only the token the latest rotation retired is forgiven: t0 after t1 was itself exchanged is theft.
    const t2 = (await json("POST", "/api/v1/sessions/refresh", { refreshToken: t1.refreshToken })).body;
    expect((await json("POST", "/api/v1/sessions/refresh", { refreshToken: t0.refreshToken })).status).toBe(401);
    expect((await json("POST", "/api/v1/sessions/refresh", { refreshToken: t2.refreshToken })).status).toBe(401);
    expect((await json("GET", "/api/v1/me/profile", undefined, t2.accessToken)).status).toBe(401);

    const u0 = (await json("POST", "/api/v1/sessions", creds("late"))).body;
    await json("POST", "/api/v1/sessions/refresh", { refreshToken: u0.refreshToken });
    now += 31_000;
    expect((await json("POST", "/api/v1/sessions/refresh", { refreshToken: u0.refreshToken })).status).toBe(401);
  });

  it("logs out: the session's access and refresh tokens stop working at once", async () => {
    const { json } = await apiHarness();
    const t = (await json("POST", "/api/v1/accounts", creds("kate"))).body;
    const other = (await json("POST", "/api/v1/sessions", creds("kate"))).body;
    expect((await json("DELETE", "/api/v1/sessions", undefined, t.accessToken)).status).toBe(204);
    expect((await json("DELETE", "/api/v1/sessions", undefined, t.accessToken)).status).toBe(401);
    expect((await json("POST", "/api/v1/sessions/refresh", { refreshToken: t.refreshToken })).status).toBe(401);
    // Other sessions of the same account are untouched.
    expect((await json("POST", "/api/v1/sessions/refresh", { refreshToken: other.refreshToken })).status).toBe(200);
  });

  it("refuses forged, unsigned, expired and malformed access tokens", async () => {
    const { json, service } = await apiHarness();
    const t = (await json("POST", "/api/v1/accounts", creds("liam"))).body;
    const { session } = await service.authenticate(t.accessToken);
    const unsigned = new UnsecuredJWT({ sid: session }).setSubject("liam").setIssuer("mirage").setAudience("mirage-api").setExpirationTime("5m").encode();
    const wrongKey = await new SignJWT({ sid: session })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("liam").setIssuer("mirage").setAudience("mirage-api").setExpirationTime("5m")
      .sign(new TextEncoder().encode("another-secret-another-secret-another!"));
    const expired = await new SignJWT({ sid: session })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("liam").setIssuer("mirage").setAudience("mirage-api")
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600).setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(TEST_SECRET);
    const otherUser = await new SignJWT({ sid: session })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("mallory").setIssuer("mirage").setAudience("mirage-api").setExpirationTime("5m")
      .sign(TEST_SECRET);
    for (const [label, token] of [["none", unsigned], ["wrong key", wrongKey], ["expired", expired], ["other subject", otherUser], ["garbage", "a.b.c"]] as const) {
      const res = await json("DELETE", "/api/v1/sessions", undefined, token);
      expect(res.status, label).toBe(401);
      expect(res.body.error.code, label).toBe("UNAUTHENTICATED");
    }
    expect((await json("DELETE", "/api/v1/sessions")).status).toBe(401);
    expect((await json("DELETE", "/api/v1/sessions", undefined, t.accessToken)).status).toBe(204);
  });

  it("describes itself in OpenAPI and honours the CORS allowlist", async () => {
    const { json } = await apiHarness({ corsOrigins: ["https://app.example.org"] });
    const doc = await json("GET", "/api/v1/openapi.json");
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(["/api/v1/accounts", "/api/v1/sessions", "/api/v1/sessions/refresh"]));
    const allowed = await json("GET", "/health", undefined, undefined, { origin: "https://app.example.org" });
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://app.example.org");
    const denied = await json("GET", "/health", undefined, undefined, { origin: "https://evil.example" });
    expect(denied.headers["access-control-allow-origin"]).toBeUndefined();
  });
});
