import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { readRefreshCookie } from "../../src/api/refreshCookie.js";
import { apiHarness } from "../support/apiHarness.js";

const creds = (username: string) => ({ username, password: "correct horse battery" });
const THIRTY_DAYS = 30 * 24 * 3600;
const SET = /^mirage_refresh=([A-Za-z0-9_-]+); Path=\/api\/v1\/sessions; Max-Age=(\d+); HttpOnly; Secure; SameSite=Strict$/;
const CLEARED = "mirage_refresh=; Path=/api/v1/sessions; Max-Age=0; HttpOnly; Secure; SameSite=Strict";
const CSRF = { "x-mirage-csrf": "1" };

type Harness = Awaited<ReturnType<typeof apiHarness>>;

/** One request through inject, with the cookie and headers given. */
async function send(h: Harness, method: "POST" | "DELETE" | "GET", url: string, options: { body?: object; cookie?: string; headers?: Record<string, string> } = {}) {
  const res = await h.app.inject({
    method,
    url,
    headers: { ...(options.cookie !== undefined ? { cookie: `mirage_refresh=${options.cookie}` } : {}), ...options.headers },
    ...(options.body ? { payload: options.body } : {}),
  });
  const setCookie = res.headers["set-cookie"];
  return { status: res.statusCode, body: res.body === "" ? undefined : (res.json() as any), setCookie: Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [setCookie] };
}

/** The refresh token the answer set as the cookie, checking every attribute of it. */
function cookieOf(res: { setCookie: string[] }): string {
  expect(res.setCookie).toHaveLength(1);
  const match = SET.exec(res.setCookie[0]!);
  expect(match, res.setCookie[0]).not.toBeNull();
  expect(Number(match![2])).toBe(THIRTY_DAYS);
  return match![1]!;
}

describe("refresh token in an HttpOnly cookie", () => {
  it("sign-up and log-in with refreshIn: cookie set the cookie and leave the token out of the body", async () => {
    const h = await apiHarness();
    const signedUp = await send(h, "POST", "/api/v1/accounts", { body: { ...creds("carla"), refreshIn: "cookie" } });
    expect(signedUp.status).toBe(201);
    expect(signedUp.body).toEqual({ accessToken: expect.any(String), expiresIn: 900, user: expect.objectContaining({ name: "carla" }) });
    const token = cookieOf(signedUp);
    expect(JSON.stringify(signedUp.body)).not.toContain(token);

    const loggedIn = await send(h, "POST", "/api/v1/sessions", { body: { ...creds("carla"), refreshIn: "cookie" } });
    expect(loggedIn.status).toBe(200);
    expect(loggedIn.body.refreshToken).toBeUndefined();
    expect(cookieOf(loggedIn)).not.toBe(token);

    // Without the option nothing changes: the token in the body, no cookie.
    const plain = await send(h, "POST", "/api/v1/sessions", { body: creds("carla") });
    expect(plain.body.refreshToken).toEqual(expect.any(String));
    expect(plain.setCookie).toEqual([]);
    expect((await send(h, "POST", "/api/v1/sessions", { body: { ...creds("carla"), refreshIn: "body" } })).status).toBe(400);
  });

  it("refreshes from the cookie, rotating it; a retired cookie ends the session and is cleared", async () => {
    let now = Date.now();
    const h = await apiHarness({ now: () => now });
    const first = cookieOf(await send(h, "POST", "/api/v1/accounts", { body: { ...creds("dora"), refreshIn: "cookie" } }));
    const refreshed = await send(h, "POST", "/api/v1/sessions/refresh", { cookie: first, headers: CSRF });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toEqual({ accessToken: expect.any(String), expiresIn: 900, user: expect.objectContaining({ name: "dora" }) });
    const second = cookieOf(refreshed);
    expect(second).not.toBe(first);
    expect((await send(h, "GET", "/api/v1/me/profile", { headers: { authorization: `Bearer ${refreshed.body.accessToken}` } })).status).toBe(200);

    // Within the grace window the retired cookie gets the same new pair (two tabs at once).
    expect(cookieOf(await send(h, "POST", "/api/v1/sessions/refresh", { cookie: first, headers: CSRF }))).toBe(second);
    now += 31_000;
    const replay = await send(h, "POST", "/api/v1/sessions/refresh", { cookie: first, headers: CSRF });
    expect(replay).toMatchObject({ status: 401, body: { error: { code: "UNAUTHENTICATED" } }, setCookie: [CLEARED] });
    // Reuse detection ended the whole session: its current cookie and access token too.
    expect((await send(h, "POST", "/api/v1/sessions/refresh", { cookie: second, headers: CSRF })).status).toBe(401);
    expect((await send(h, "GET", "/api/v1/me/profile", { headers: { authorization: `Bearer ${refreshed.body.accessToken}` } })).status).toBe(401);
  });

  it("refuses cookie calls without X-Mirage-CSRF: 1 or from another origin, and changes nothing then", async () => {
    const h = await apiHarness();
    const token = cookieOf(await send(h, "POST", "/api/v1/accounts", { body: { ...creds("erik"), refreshIn: "cookie" } }));
    const refusals: Array<Record<string, string>> = [
      {},
      { "x-mirage-csrf": "0" },
      { "x-mirage-csrf": "true" },
      { ...CSRF, origin: "https://evil.example" },
      { ...CSRF, origin: "http://localhost:8081" },
      { ...CSRF, origin: "https://localhost" },
      { ...CSRF, origin: "null" },
      { ...CSRF, origin: "not a url" },
    ];
    for (const headers of refusals) {
      for (const [method, url] of [["POST", "/api/v1/sessions/refresh"], ["DELETE", "/api/v1/sessions"]] as const) {
        const res = await send(h, method, url, { cookie: token, headers });
        expect(res, `${method} ${JSON.stringify(headers)}`).toMatchObject({ status: 403, body: { error: { code: "CSRF_REJECTED" } }, setCookie: [] });
      }
    }
    // The cookie still works, from the page's own origin (inject's Host is localhost:80).
    const ok = await send(h, "POST", "/api/v1/sessions/refresh", { cookie: token, headers: { ...CSRF, origin: "http://localhost" } });
    expect(ok.status).toBe(200);
    // No cookie at all: 401 once the CSRF header is there.
    expect(await send(h, "POST", "/api/v1/sessions/refresh", { headers: CSRF })).toMatchObject({ status: 401, body: { error: { code: "UNAUTHENTICATED" } } });
    // Body-token calls are as before: no header needed, whatever the origin.
    const plain = await send(h, "POST", "/api/v1/sessions", { body: creds("erik") });
    expect((await send(h, "POST", "/api/v1/sessions/refresh", { body: { refreshToken: plain.body.refreshToken }, headers: { origin: "https://evil.example" } })).status).toBe(200);
  });

  it("compares the origin with the forwarded scheme and host only behind a trusted proxy", async () => {
    const behindProxy = { ...CSRF, origin: "https://chat.example.org", "x-forwarded-proto": "https", "x-forwarded-host": "chat.example.org" };
    const trusting = await apiHarness({ trustProxy: true });
    const a = cookieOf(await send(trusting, "POST", "/api/v1/accounts", { body: { ...creds("fay"), refreshIn: "cookie" } }));
    expect((await send(trusting, "POST", "/api/v1/sessions/refresh", { cookie: a, headers: behindProxy })).status).toBe(200);

    const direct = await apiHarness({ trustProxy: false });
    const b = cookieOf(await send(direct, "POST", "/api/v1/accounts", { body: { ...creds("fay"), refreshIn: "cookie" } }));
    expect(await send(direct, "POST", "/api/v1/sessions/refresh", { cookie: b, headers: behindProxy })).toMatchObject({ status: 403, body: { error: { code: "CSRF_REJECTED" } } });
  });

  it("logs out by cookie: the session ends and the cookie is cleared", async () => {
    const h = await apiHarness();
    const signedUp = await send(h, "POST", "/api/v1/accounts", { body: { ...creds("gus"), refreshIn: "cookie" } });
    const token = cookieOf(signedUp);
    const other = cookieOf(await send(h, "POST", "/api/v1/sessions", { body: { ...creds("gus"), refreshIn: "cookie" } }));
    const out = await send(h, "DELETE", "/api/v1/sessions", { cookie: token, headers: CSRF });
    expect(out).toMatchObject({ status: 204, setCookie: [CLEARED] });
    expect((await send(h, "GET", "/api/v1/me/profile", { headers: { authorization: `Bearer ${signedUp.body.accessToken}` } })).status).toBe(401);
    expect((await send(h, "POST", "/api/v1/sessions/refresh", { cookie: token, headers: CSRF })).status).toBe(401);
    // Another session of the account is untouched; a cookie naming an ended session logs out quietly.
    expect((await send(h, "POST", "/api/v1/sessions/refresh", { cookie: other, headers: CSRF })).status).toBe(200);
    expect(await send(h, "DELETE", "/api/v1/sessions", { cookie: token, headers: CSRF })).toMatchObject({ status: 204, setCookie: [CLEARED] });
    // Neither a bearer token nor the cookie: 401 as before.
    expect((await send(h, "DELETE", "/api/v1/sessions")).status).toBe(401);
  });

  it("a bearer log-out also ends the session of the cookie sent along and clears it", async () => {
    const h = await apiHarness();
    const signedUp = await send(h, "POST", "/api/v1/accounts", { body: { ...creds("hana"), refreshIn: "cookie" } });
    const token = cookieOf(signedUp);
    const out = await send(h, "DELETE", "/api/v1/sessions", { cookie: token, headers: { authorization: `Bearer ${signedUp.body.accessToken}` } });
    expect(out).toMatchObject({ status: 204, setCookie: [CLEARED] });
    expect((await send(h, "POST", "/api/v1/sessions/refresh", { cookie: token, headers: CSRF })).status).toBe(401);
  });

  it("never writes the cookie or the refresh token to the log", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) });
    const h = await apiHarness({ logger: createLogger("trace", sink) });
    const signedUp = await send(h, "POST", "/api/v1/accounts", { body: { ...creds("ivan"), refreshIn: "cookie" } });
    const token = cookieOf(signedUp);
    const next = cookieOf(await send(h, "POST", "/api/v1/sessions/refresh", { cookie: token, headers: CSRF }));
    await send(h, "POST", "/api/v1/sessions/refresh", { cookie: token, headers: {} });
    await send(h, "DELETE", "/api/v1/sessions", { cookie: next, headers: CSRF });
    const log = lines.join("");
    expect(log).toContain("request completed");
    for (const secret of [token, next, "mirage_refresh"]) expect(log).not.toContain(secret);

    // And as a second line of defence, the redaction paths cover the headers themselves.
    const direct: string[] = [];
    const logger = createLogger("info", new Writable({ write: (chunk, _enc, done) => void (direct.push(String(chunk)), done()) }));
    logger.info({ req: { headers: { cookie: `mirage_refresh=${token}` } }, res: { headers: { "set-cookie": `mirage_refresh=${next}` } } }, "headers");
    expect(direct.join("")).not.toContain(token);
    expect(direct.join("")).not.toContain(next);
  });
});

describe("reading the refresh cookie", () => {
  it("takes only a bare base64url value of the mirage_refresh cookie", () => {
    expect(readRefreshCookie("mirage_refresh=abc-DEF_123")).toBe("abc-DEF_123");
    expect(readRefreshCookie("theme=dark; mirage_refresh=abc ;lang=en")).toBe("abc");
    expect(readRefreshCookie("mirage_refresh=first; mirage_refresh=second")).toBe("first");
    for (const header of [undefined, "", "theme=dark", 'mirage_refresh="abc"', "mirage_refresh=a%20b", "mirage_refresh=", "mirage_refresh", "xmirage_refresh=abc", `mirage_refresh=${"a".repeat(513)}`]) {
      expect(readRefreshCookie(header), String(header)).toBeUndefined();
    }
  });
});
