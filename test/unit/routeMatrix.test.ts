import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FastifyInstance } from "fastify";
import { decodeJwt } from "jose";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { TokenSigner } from "../../src/platform/accounts/TokenSigner.js";
import { apiHarness, TEST_SECRET } from "../support/apiHarness.js";
import helloPlugin from "../../plugins/examples/hello/index.js";
import jitsiPlugin from "../../plugins/jitsi/index.js";
import expiryPlugin from "../../plugins/expiry/index.js";
import { WebAssets } from "../../src/web/WebAssets.js";

/*
 * Every route of the side API × every failure class, generated from one table.
 *
 * The table is keyed by "METHOD /path" exactly as the OpenAPI document spells operations; the
 * first tests check that the table, the OpenAPI document and the router agree, so a new route
 * without a row (or a row for a route that is gone) fails. Each row says, for every class,
 * either how to provoke it (a probe) or why it does not apply (a string, kept next to the probes
 * so the choice is visible). Every answer is checked against the statuses and schemas the
 * OpenAPI document gives for that operation.
 */

// ajv-formats is CommonJS with a default export function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Harness = Awaited<ReturnType<typeof apiHarness>>;
type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

const PASSWORD = "correct horse battery";
/** Well-formed ids that name nothing. */
const UNKNOWN = { room: "r_AAAAAAAAAAAAAAAA", message: "m_AAAAAAAAAAAAAAAA", post: "p_AAAAAAAAAAAAAAAA", comment: "c_AAAAAAAAAAAAAAAA" };
const CODE_FOR: Readonly<Record<number, string>> = { 400: "INVALID_INPUT", 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT", 413: "INVALID_INPUT", 503: "OVERLOADED" };
const THUMBS = encodeURIComponent("👍");
/** The harness's bound on long-polls waiting at once (api.sync.maxWaits), small enough to reach. */
const MAX_WAITS = 2;
/** A name that looks like `name` (m → rn, o → 0, l → 1): the same UTS #39 skeleton, different text. */
const lookalike = (name: string) => name.replace(/m/g, "rn").replace(/o/g, "0").replace(/l/g, "1");
/** The harness's body limit (buildApi's default). */
const BODY_LIMIT_BYTES = 1024 * 1024;

interface User {
  name: string;
  token: string;
}

/** A request; the method comes from the table key. `authorization` overrides `token`. */
interface Req {
  url: string;
  body?: unknown;
  token?: string | undefined;
  authorization?: string | undefined;
  /** Further request headers (a cookie, the CSRF header, an Origin). */
  headers?: Record<string, string>;
}

interface Res {
  status: number;
  body: any;
  text: string;
  contentType: string;
}

/** What a row's setup builds: at least the request that succeeds, plus whatever its probes need. */
interface Scenario {
  req: Req;
}

/** Why a failure class does not apply to a route. */
type Reason = string;

/** One request that must get `status` (and, for errors, the matching code). */
interface Probe<S extends Scenario> {
  what: string;
  status: number;
  /** The error code, when not the usual one for the status (CODE_FOR). */
  code?: string;
  req(s: S, w: World): Req | Promise<Req>;
  check?(res: Res, s: S, w: World): void | Promise<void>;
}

/**
 * - `bearer`: needs `Authorization: Bearer <accessToken>` of a live session;
 * - `optional`: public, a token adds the reader's view, and a bad token is refused (not ignored);
 * - `none`: public and the Authorization header is ignored.
 */
type AuthKind = "bearer" | "optional" | "none";

interface Spec<S extends Scenario> {
  auth: AuthKind;
  /** The OpenAPI security when the route also takes the refresh cookie (else the one `auth` implies). */
  security?: unknown;
  /** Registered but hidden from the OpenAPI document. */
  hidden?: true;
  setup(w: World): Promise<S>;
  happy: { status: number; check(res: Res, s: S, w: World): void | Promise<void> };
  /** Required exactly when the operation takes a JSON body. */
  body?: { wrongType: Probe<S>; missingField: Probe<S>; unknownField: Probe<S> };
  /** Required exactly when the operation has path parameters. */
  path?: Array<Probe<S>>;
  /** Required exactly when the operation has query parameters. */
  query?: Array<Probe<S>>;
  notFound: Probe<S> | Reason;
  /** Someone else's thing: 403, or 404 where the route hides that it exists. */
  forbidden: Array<Probe<S>> | Reason;
  conflict: Probe<S> | Reason;
  /** Route-specific outcomes worth pinning (idempotency, business-rule validation, …). */
  more?: Array<Probe<S>>;
}

const route = <S extends Scenario>(spec: Spec<S>): Spec<Scenario> => spec as unknown as Spec<Scenario>;

/** The member deletes the row's target (the same URL), then the row's edit is a conflict: 409. */
const editAfterDelete = (what: string): Probe<Scenario> => ({
  what,
  status: 409,
  async req(s, w) {
    await w.must("DELETE", s.req.url, undefined, w.member);
    return s.req;
  },
});

/** A room of the owner's the member joined, with a Matrix room linked as its portal (the harness has no Matrix side). */
async function portalRoom(w: World): Promise<string> {
  const room = await w.room();
  await w.h.store.idMapping.link([{ ref: { kind: "room", id: room }, roomId: `!${room}:test.example`, origin: "platform" }]);
  return room;
}

/** The outsider, invited to the scenario's room but not joined, makes the row's request: 403. */
const inviteeProbe = (what: string): Probe<Scenario & { room: string }> => ({
  what,
  status: 403,
  async req(s, w) {
    await w.must("POST", `/api/v1/rooms/${s.room}/members`, { handle: w.outsider.name }, w.owner);
    return { ...s.req, token: w.outsider.token };
  },
});

// ---------------------------------------------------------------------------------------------
// Fixtures

let nameSeq = 0;
/** Ends the long-polls a sync probe left waiting. */
let releaseAfter = async (): Promise<void> => undefined;
let titleSeq = 0;

async function call(app: FastifyInstance, method: string, req: Req): Promise<Res> {
  const headers: Record<string, string> = { ...req.headers };
  if (req.authorization !== undefined) headers.authorization = req.authorization;
  else if (req.token !== undefined) headers.authorization = `Bearer ${req.token}`;
  const res = await app.inject({ method: method as Method, url: req.url, headers, ...(req.body === undefined ? {} : { payload: req.body as object }) });
  const contentType = String(res.headers["content-type"] ?? "");
  return { status: res.statusCode, text: res.body, contentType, body: contentType.includes("json") && res.body !== "" ? res.json() : undefined };
}

/** Accounts and helpers for one row; fixtures are made fresh for every case. */
class World {
  private constructor(
    readonly h: Harness,
    /** Owns the rooms, blog and posts the row's fixtures create. */
    readonly owner: User,
    /** Joined to the owner's rooms; writes the comments. */
    readonly member: User,
    /** Signed in, but in none of it. */
    readonly outsider: User,
  ) {}

  static async create(h: Harness): Promise<World> {
    return new World(h, await signUpUser(h), await signUpUser(h), await signUpUser(h));
  }

  fresh(): Promise<User> {
    return signUpUser(this.h);
  }

  call(method: string, req: Req): Promise<Res> {
    return call(this.h.app, method, req);
  }

  /** A setup step that must succeed. */
  async must(method: string, url: string, body: unknown, user: { token: string } | undefined): Promise<any> {
    const res = await this.call(method, { url, body, token: user?.token });
    if (res.status >= 300) throw new Error(`fixture ${method} ${url} failed: ${res.status} ${res.text}`);
    return res.body;
  }

  /** A group room of the owner's that the member has joined. */
  async room(): Promise<string> {
    const room = await this.must("POST", "/api/v1/rooms", { name: "Fixture room", invite: [this.member.name] }, this.owner);
    await this.must("POST", `/api/v1/rooms/${room.id}/members`, { handle: this.member.name }, this.member);
    return room.id as string;
  }

  async join(roomId: string, user: User): Promise<void> {
    await this.must("POST", `/api/v1/rooms/${roomId}/members`, { handle: user.name }, this.owner);
    await this.must("POST", `/api/v1/rooms/${roomId}/members`, { handle: user.name }, user);
  }

  async message(roomId: string, by: User = this.owner): Promise<string> {
    return (await this.must("POST", `/api/v1/rooms/${roomId}/messages`, { body: "fixture message" }, by)).id;
  }

  /** A post in the owner's blog (published unless told otherwise). */
  async post(extra: Record<string, unknown> = {}): Promise<{ id: string; slug: string }> {
    const post = await this.must("POST", `/api/v1/blogs/${this.owner.name}/posts`, { title: `Fixture post ${++titleSeq}`, body: "fixture body", ...extra }, this.owner);
    return { id: post.id, slug: post.slug };
  }

  async comment(postId: string, by: User = this.member): Promise<string> {
    return (await this.must("POST", `/api/v1/posts/${postId}/comments`, { body: "fixture comment" }, by)).id;
  }

  /** A second session of `user`, as a fresh access token. */
  async session(user: { name: string }): Promise<string> {
    return (await this.must("POST", "/api/v1/sessions", { username: user.name, password: PASSWORD }, undefined)).accessToken;
  }
}

async function signUpUser(h: Harness): Promise<User> {
  const name = `rm${++nameSeq}`;
  const res = await call(h.app, "POST", { url: "/api/v1/accounts", body: { username: name, password: PASSWORD } });
  if (res.status !== 201) throw new Error(`sign-up of ${name} failed: ${res.status} ${res.text}`);
  return { name, token: res.body.accessToken };
}

const omit = (body: unknown, key: string) => Object.fromEntries(Object.entries(body as Record<string, unknown>).filter(([k]) => k !== key));
const withQuery = (url: string, query: Record<string, string>) => {
  const u = new URL(url, "http://x");
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return `${u.pathname}${u.search}`;
};

/** Probe builders: the happy request with one thing changed. */
const bodyProbe = <S extends Scenario>(what: string, body: (b: any, s: S, w: World) => unknown, status = 400): Probe<S> => ({
  what,
  status,
  req: (s, w) => ({ ...s.req, body: body(s.req.body, s, w) }),
});
const urlProbe = <S extends Scenario>(what: string, url: (s: S, w: World) => string, status = 400): Probe<S> => ({
  what,
  status,
  req: (s, w) => ({ ...s.req, url: url(s, w) }),
});
const asProbe = <S extends Scenario>(what: string, status: number, who: (s: S, w: World) => User | Promise<User>, check?: Probe<S>["check"]): Probe<S> => ({
  what,
  status,
  req: async (s, w) => ({ ...s.req, authorization: undefined, token: (await who(s, w)).token }),
  ...(check ? { check } : {}),
});
const again = <S extends Scenario>(what: string, status: number, check?: Probe<S>["check"]): Probe<S> => ({
  what,
  status,
  req: async (s, w) => {
    const first = await w.call(methodOf(s), s.req);
    if (first.status >= 300) throw new Error(`the first ${methodOf(s)} ${s.req.url} failed: ${first.status} ${first.text}`);
    return s.req;
  },
  ...(check ? { check } : {}),
});
/** The row's request made with a fresh refresh cookie of the owner's instead of its own credential, and `headers`. */
const cookieProbe = <S extends Scenario>(what: string, headers: Record<string, string>, status: number, check?: Probe<S>["check"]): Probe<S> => ({
  what,
  status,
  async req(s, w) {
    const res = await w.h.app.inject({ method: "POST", url: "/api/v1/sessions", payload: { username: w.owner.name, password: PASSWORD, refreshIn: "cookie" } });
    const cookie = String(res.headers["set-cookie"]).split(";")[0]!;
    return { url: s.req.url, headers: { cookie, ...headers } };
  },
  ...(check ? { check } : {}),
});
/** The row's method: the runner stamps it on every scenario. */
const methodOf = (s: Scenario) => (s as Scenario & { method: string }).method;

// ---------------------------------------------------------------------------------------------
// The table

/** Reaction routes share one shape: PUT and DELETE on posts, comments and messages. */
/** The row's World is shared by its cases: lift a block once the case is answered. */
const unblockAll = async (_res: Res, _s: Scenario, w: World) => void (await w.must("PATCH", `/api/v1/blogs/${w.owner.name}`, { blockedCommenters: [] }, w.owner));

function reactionRow(segment: "posts" | "comments" | "messages", method: "PUT" | "DELETE") {
  const kind = segment.slice(0, -1);
  const url = (id: string, key = THUMBS) => `/api/v1/${segment}/${id}/reactions/${key}`;
  type S = Scenario & { id: string };
  const badId = segment === "messages" ? "m".repeat(65) : `${kind[0]}_short`;
  return route<S>({
    auth: "bearer",
    async setup(w: World) {
      let id: string;
      if (segment === "posts") id = (await w.post()).id;
      else if (segment === "comments") id = await w.comment((await w.post()).id);
      else id = await w.message(await w.room());
      // Taking back needs something to take back.
      if (method === "DELETE") await w.must("PUT", url(id), undefined, w.member);
      return { id, req: { url: url(id), token: w.member.token } };
    },
    happy: {
      status: 200,
      check: (res, s) => {
        expect(res.body).toMatchObject({ target: { kind, id: s.id }, key: "👍" });
        expect(res.body.reactions).toEqual(method === "PUT" ? { "👍": 1 } : {});
        expect(res.body.myReactions).toEqual(method === "PUT" ? ["👍"] : []);
      },
    },
    path: [
      urlProbe(`a ${kind} id of the wrong form`, () => url(badId)),
      urlProbe("a key longer than 64 characters", (s) => url(s.id, "k".repeat(65))),
      urlProbe("a key with surrounding whitespace", (s) => url(s.id, "%20x")),
      urlProbe("a key that is not valid percent-encoding", (s) => url(s.id, "%E0%A4%A")),
    ],
    notFound: urlProbe(`an unknown ${kind}`, () => url(UNKNOWN[kind as "post" | "comment" | "message"]), 404),
    forbidden:
      segment === "messages"
        ? [asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider)]
        : [
            {
              what: `a ${kind} on someone else's draft (hidden)`,
              status: 404,
              async req(_s, w) {
                const draft = await w.post({ published: false });
                const id = segment === "posts" ? draft.id : await w.comment(draft.id, w.owner);
                return { url: url(id), token: w.member.token };
              },
            },
            ...(method === "PUT"
              ? [
                  {
                    what: "someone the blog's owner blocked",
                    status: 403,
                    async req(s: S, w: World) {
                      await w.must("PATCH", `/api/v1/blogs/${w.owner.name}`, { blockedCommenters: [w.outsider.name] }, w.owner);
                      return { ...s.req, token: w.outsider.token };
                    },
                    check: unblockAll,
                  },
                ]
              : [
                  {
                    what: "someone the blog's owner blocked, taking back (allowed)",
                    status: 200,
                    async req(s: S, w: World) {
                      await w.must("PATCH", `/api/v1/blogs/${w.owner.name}`, { blockedCommenters: [w.member.name] }, w.owner);
                      return s.req;
                    },
                    check: unblockAll,
                  },
                ]),
          ],
    conflict:
      method === "PUT"
        ? {
            what: "a 21st different key from one person",
            status: 409,
            async req(s, w) {
              for (let i = 0; i < 20; i++) await w.must("PUT", url(s.id, `k${i}`), undefined, w.member);
              return s.req;
            },
          }
        : "taking back is idempotent and has no limit to hit",
    more: [
      method === "PUT"
        ? again("the same reaction again (idempotent, counts unchanged)", 200, (res) => expect(res.body.reactions).toEqual({ "👍": 1 }))
        : again("taking it back again (idempotent)", 200, (res) => expect(res.body.reactions).toEqual({})),
    ],
  });
}

const TABLE: Record<string, Spec<Scenario>> = {
  // --- operations ---
  "GET /health": route({
    auth: "none",
    setup: async () => ({ req: { url: "/health" } }),
    happy: { status: 200, check: (res) => expect(res.body.status).toBe("ok") },
    notFound: "no path parameters",
    forbidden: "public",
    conflict: "read-only",
  }),
  "GET /metrics": route({
    auth: "none",
    setup: async () => ({ req: { url: "/metrics" } }),
    happy: { status: 200, check: (res) => expect(res.contentType).toMatch(/^text\/plain/) },
    notFound: "no path parameters",
    forbidden: "public unless operations.metrics.requireToken (then 401, see api.test.ts)",
    conflict: "read-only",
  }),
  "GET /assets/{}": route({
    auth: "none",
    hidden: true,
    setup: async () => ({ req: { url: (await WebAssets.build()).url("app.js") } }),
    happy: { status: 200, check: (res) => expect(res.contentType).toMatch(/^text\/javascript/) },
    path: [{ what: "a name no build produced", status: 404, req: () => ({ url: "/assets/app.AAAAAAAAAAAA.js" }) }],
    notFound: { what: "an asset of an older build", status: 404, req: () => ({ url: "/assets/pages.AAAAAAAAAAAA.css" }) },
    forbidden: "public",
    conflict: "read-only",
  }),
  // Public pages: HTML (their 404 pages are HTML too, so error cases live in publicPages.test.ts).
  "GET /": route({
    auth: "none",
    hidden: true,
    setup: async () => ({ req: { url: "/" } }),
    happy: { status: 200, check: (res) => expect(res.contentType).toBe("text/html; charset=utf-8") },
    notFound: "no path parameters; a cursor it did not make is an HTML 404 page (publicPages.test.ts)",
    forbidden: "public; drafts are never listed (publicPages.test.ts)",
    conflict: "read-only",
  }),
  "GET /@{}": route({
    auth: "none",
    hidden: true,
    setup: async (w) => ({ req: { url: `/@${w.owner.name}` } }),
    happy: { status: 200, check: (res) => expect(res.text).toContain("<h1") },
    notFound: "an HTML 404 page (publicPages.test.ts)",
    forbidden: "public",
    conflict: "read-only",
  }),
  "GET /@{}/{}": route({
    auth: "none",
    hidden: true,
    setup: async (w) => ({ req: { url: `/@${w.owner.name}/${(await w.post()).slug}` } }),
    happy: { status: 200, check: (res) => expect(res.text).toContain("fixture body") },
    notFound: "an HTML 404 page (publicPages.test.ts)",
    forbidden: "a draft is an HTML 404 page (publicPages.test.ts)",
    conflict: "read-only",
  }),
  "GET /@{}/feed.atom": route({
    auth: "none",
    hidden: true,
    setup: async (w) => {
      await w.post();
      return { req: { url: `/@${w.owner.name}/feed.atom` } };
    },
    happy: { status: 200, check: (res) => expect(res.contentType).toBe("application/atom+xml; charset=utf-8") },
    notFound: "an HTML 404 page (publicPages.test.ts)",
    forbidden: "public",
    conflict: "read-only",
  }),
  "GET /@{}/profile.css": route({
    auth: "none",
    hidden: true,
    setup: async (w) => {
      await w.must("PATCH", "/api/v1/me/profile", { customCss: "p{color:red}" }, w.owner);
      return { req: { url: `/@${w.owner.name}/profile.css` } };
    },
    happy: { status: 200, check: (res) => expect(res.contentType).toBe("text/css; charset=utf-8") },
    notFound: "an empty stylesheet with 404 (publicPages.test.ts)",
    forbidden: "public",
    conflict: "read-only",
  }),
  "GET /app": route({
    auth: "none",
    hidden: true,
    setup: async () => ({ req: { url: "/app" } }),
    happy: { status: 301, check: (res) => expect(res.text).toBe("") },
    notFound: "no path parameters",
    forbidden: "public",
    conflict: "read-only",
  }),
  "GET /app/*": route({
    auth: "none",
    hidden: true,
    setup: async () => ({ req: { url: "/app/rooms/some-room" } }),
    happy: {
      status: 200,
      check: (res) => {
        expect(res.contentType).toMatch(/^text\/html/);
        expect(res.text).toMatch(/<script type="module" src="\/assets\/app\.[\w-]{12}\.js"><\/script>/);
      },
    },
    notFound: "every client path answers the shell; the client's router shows what is not there",
    forbidden: "public: the shell holds nothing private",
    conflict: "read-only",
  }),
  "GET /api/v1/openapi.json": route({
    auth: "none",
    hidden: true,
    setup: async () => ({ req: { url: "/api/v1/openapi.json" } }),
    happy: { status: 200, check: (res) => expect(res.body.openapi).toMatch(/^3\./) },
    notFound: "no path parameters",
    forbidden: "public",
    conflict: "read-only",
  }),

  // --- accounts and sessions ---
  "POST /api/v1/accounts": route({
    auth: "none",
    setup: async () => ({ req: { url: "/api/v1/accounts", body: { username: `rm${++nameSeq}`, password: PASSWORD } } }),
    happy: {
      status: 201,
      check: (res, s) => expect(res.body).toMatchObject({ accessToken: expect.any(String), user: { name: (s.req.body as { username: string }).username } }),
    },
    body: {
      wrongType: bodyProbe("username is a number", (b) => ({ ...b, username: 42 })),
      missingField: bodyProbe("no password", (b) => omit(b, "password")),
      unknownField: bodyProbe("an extra admin flag", (b) => ({ ...b, admin: true })),
    },
    notFound: "no path parameters; nothing is looked up",
    forbidden: "anyone may sign up (limited per IP)",
    conflict: bodyProbe("a taken name, in other letter case", (b, _s, w) => ({ ...b, username: w.owner.name.toUpperCase() }), 409),
    more: [
      { ...bodyProbe("a reserved name", (b) => ({ ...b, username: "admin" })), code: "NAME_RESERVED" },
      { ...bodyProbe("a lookalike of a taken name (rn for m)", (b, _s, w) => ({ ...b, username: lookalike(w.owner.name) }), 409), code: "NAME_CONFUSABLE" },
      bodyProbe("a name ending in a separator", (b) => ({ ...b, username: "rm-trailing." })),
      bodyProbe("a password under 8 characters", (b) => ({ ...b, password: "short" })),
    ],
  }),
  "POST /api/v1/sessions": route({
    auth: "none",
    setup: async (w: World) => ({ req: { url: "/api/v1/sessions", body: { username: w.owner.name, password: PASSWORD } } }),
    happy: { status: 200, check: (res, _s, w) => expect(res.body).toMatchObject({ accessToken: expect.any(String), user: { name: w.owner.name } }) },
    body: {
      wrongType: bodyProbe("password is an array", (b) => ({ ...b, password: [PASSWORD] })),
      missingField: bodyProbe("no username", (b) => omit(b, "username")),
      unknownField: bodyProbe("an extra remember flag", (b) => ({ ...b, remember: true })),
    },
    notFound: "an unknown username answers 401 like a wrong password, so names do not leak (see more)",
    forbidden: "no resource is addressed",
    conflict: "every log-in opens a new session; nothing is unique",
    more: [bodyProbe("a wrong password", (b) => ({ ...b, password: "wrong password!" }), 401), bodyProbe("an unknown username", (b) => ({ ...b, username: "rm-nobody" }), 401)],
  }),
  "POST /api/v1/sessions/refresh": route({
    auth: "none",
    setup: async (w: World) => {
      const login = await w.must("POST", "/api/v1/sessions", { username: w.owner.name, password: PASSWORD }, undefined);
      return { req: { url: "/api/v1/sessions/refresh", body: { refreshToken: login.refreshToken } } };
    },
    happy: { status: 200, check: (res, s) => expect(res.body.refreshToken).not.toBe((s.req.body as { refreshToken: string }).refreshToken) },
    body: {
      wrongType: bodyProbe("refreshToken is a number", () => ({ refreshToken: 1 })),
      missingField: bodyProbe("no refreshToken", () => ({})),
      unknownField: bodyProbe("an extra field", (b) => ({ ...b, scope: "all" })),
    },
    notFound: "no path parameters; an unknown token is 401 (see more)",
    forbidden: "the refresh token is the credential",
    conflict: "a retired token is theft evidence: 401 and the session ends, not 409 (see more)",
    more: [
      bodyProbe("a token that was never issued", () => ({ refreshToken: "never-issued" }), 401),
      {
        what: "a token retired before the latest rotation (exchanged, then its successor exchanged too)",
        status: 401,
        async req(s, w) {
          const first = await w.call("POST", s.req);
          await w.call("POST", { ...s.req, body: { refreshToken: first.body.refreshToken } });
          return s.req;
        },
      },
      { ...cookieProbe("the refresh cookie, without the CSRF header", {}, 403), code: "CSRF_REJECTED" },
      { ...cookieProbe("the refresh cookie, from another origin", { "x-mirage-csrf": "1", origin: "https://evil.example" }, 403), code: "CSRF_REJECTED" },
      cookieProbe("the refresh cookie with the CSRF header", { "x-mirage-csrf": "1" }, 200, (res) => expect(res.body.refreshToken).toBeUndefined()),
    ],
  }),
  "DELETE /api/v1/sessions": route({
    auth: "bearer",
    security: [{ bearer: [] }, { refreshCookie: [] }],
    setup: async (w: World) => ({ req: { url: "/api/v1/sessions", token: await w.session(w.owner) } }),
    happy: {
      status: 204,
      check: async (res, s, w) => {
        expect(res.text).toBe("");
        expect((await w.call("GET", { url: "/api/v1/me/profile", token: s.req.token })).status).toBe(401);
      },
    },
    notFound: "no path parameters",
    forbidden: "the token names the session it ends; no other session can be named",
    conflict: "logging out twice: the second call is 401, the session is gone (see more)",
    more: [
      again("the same session again", 401),
      { ...cookieProbe("the refresh cookie instead of a bearer token, without the CSRF header", {}, 403), code: "CSRF_REJECTED" },
      cookieProbe("the refresh cookie instead of a bearer token, with the CSRF header", { "x-mirage-csrf": "1" }, 204),
    ],
  }),

  // --- profiles ---
  "GET /api/v1/users/{name}": route({
    auth: "optional",
    setup: async (w: World) => ({ req: { url: `/api/v1/users/${w.owner.name}` } }),
    happy: { status: 200, check: (res, _s, w) => expect(res.body).toMatchObject({ name: w.owner.name, matrixId: `@mirage_${w.owner.name}:test.example` }) },
    path: [urlProbe("a name longer than 64 characters", () => `/api/v1/users/${"n".repeat(65)}`)],
    notFound: urlProbe("an unknown name", () => "/api/v1/users/rm-nobody", 404),
    forbidden: "public",
    conflict: "read-only",
    more: [urlProbe("the name in other letter case", (_s, w) => `/api/v1/users/${w.owner.name.toUpperCase()}`, 200)],
  }),
  "GET /api/v1/me/profile": route({
    auth: "bearer",
    setup: async (w: World) => ({ req: { url: "/api/v1/me/profile", token: w.owner.token } }),
    happy: { status: 200, check: (res, _s, w) => expect(res.body).toMatchObject({ name: w.owner.name, customHtml: expect.any(String) }) },
    notFound: "always the signed-in account",
    forbidden: "only one's own profile is reachable here",
    conflict: "read-only",
  }),
  "PATCH /api/v1/me/profile": route({
    auth: "bearer",
    setup: async (w: World) => ({ req: { url: "/api/v1/me/profile", token: w.owner.token, body: { displayName: "Someone Else", bio: "*hi*" } } }),
    happy: { status: 200, check: (res) => expect(res.body).toMatchObject({ displayName: "Someone Else", bio: "*hi*", bioHtml: expect.stringContaining("hi") }) },
    body: {
      wrongType: bodyProbe("displayName is a number", () => ({ displayName: 3 })),
      missingField: bodyProbe("an empty patch (at least one field)", () => ({})),
      unknownField: bodyProbe("a name change (not a profile field)", (b) => ({ ...b, name: "root" })),
    },
    notFound: "always the signed-in account",
    forbidden: "only one's own profile is reachable here",
    conflict: { ...bodyProbe("another account's name as display name, in lookalike letters", (_b, _s, w) => ({ displayName: lookalike(w.member.name) }), 409), code: "NAME_CONFUSABLE" },
    more: [
      bodyProbe("an http avatar", () => ({ avatarUrl: "http://example.org/a.png" })),
      bodyProbe("a blank display name", () => ({ displayName: "   " })),
      bodyProbe("a display name of only invisible characters", () => ({ displayName: "\u200b\u202e\u2066" })),
      { ...bodyProbe("a display name claiming to be staff", () => ({ displayName: "Mirage (official)" })), code: "NAME_RESERVED" },
    ],
  }),
  "POST /api/v1/me/profile/preview": route({
    auth: "bearer",
    setup: async (w: World) => ({ req: { url: "/api/v1/me/profile/preview", token: w.owner.token, body: { bio: "*hi*", customHtml: "<b>hi</b>", customCss: ".a{color:red}" } } }),
    happy: {
      status: 200,
      check: (res) => {
        expect(res.body).toEqual({ html: expect.stringContaining("hi"), css: expect.any(String), bioHtml: expect.stringContaining("hi") });
      },
    },
    body: {
      wrongType: bodyProbe("bio is a number", () => ({ bio: 3 })),
      missingField: bodyProbe("nothing to preview (at least one source)", () => ({})),
      unknownField: bodyProbe("a display name (not a sanitized source)", (b) => ({ ...b, displayName: "x" })),
    },
    notFound: "always the signed-in account",
    forbidden: "only one's own profile is previewed",
    conflict: "stores nothing",
    more: [bodyProbe("custom HTML over the profile's limit", () => ({ customHtml: "a".repeat(100_001) }))],
  }),
  "POST /api/v1/previews/markdown": route({
    auth: "bearer",
    setup: async (w: World) => ({ req: { url: "/api/v1/previews/markdown", token: w.member.token, body: { body: "**bold**" } } }),
    happy: { status: 200, check: (res) => expect(res.body).toEqual({ html: expect.stringContaining("bold") }) },
    body: {
      wrongType: bodyProbe("body is a number", () => ({ body: 1 })),
      missingField: bodyProbe("no body", () => ({})),
      unknownField: bodyProbe("a title (only bodies are previewed)", (b) => ({ ...b, title: "t" })),
    },
    notFound: "names nothing stored",
    forbidden: "anyone signed in may render Markdown; it is stored nowhere",
    conflict: "stores nothing",
    more: [
      bodyProbe("a body over a post's limit", () => ({ body: "a".repeat(100_001) })),
      bodyProbe("a body with a control character", () => ({ body: "a\u0000b" })),
    ],
  }),

  // --- rooms, DMs, messages ---
  "GET /api/v1/rooms": route({
    auth: "bearer",
    setup: async (w: World) => ({ room: await w.room(), req: { url: "/api/v1/rooms", token: w.member.token } }),
    happy: { status: 200, check: (res, s) => expect(res.body.rooms).toContainEqual(expect.objectContaining({ id: s.room, membership: "join" })) },
    notFound: "no path parameters",
    forbidden: "lists only the reader's own rooms",
    conflict: "read-only",
  }),
  "POST /api/v1/rooms": route({
    auth: "bearer",
    setup: async (w: World) => ({ req: { url: "/api/v1/rooms", token: w.owner.token, body: { name: "Plans", topic: "what next", invite: [w.member.name] } } }),
    happy: {
      status: 201,
      check: (res, _s, w) => {
        expect(res.body).toMatchObject({ id: expect.stringMatching(/^r_/), kind: "group", name: "Plans", membership: "join" });
        expect(res.body.members).toContainEqual({ member: w.member.name, membership: "invite", kind: "mirage" });
      },
    },
    body: {
      wrongType: bodyProbe("name is a number", (b) => ({ ...b, name: 7 })),
      missingField: bodyProbe("no name", (b) => omit(b, "name")),
      unknownField: bodyProbe("an extra visibility field", (b) => ({ ...b, visibility: "public" })),
    },
    notFound: bodyProbe("inviting an account that does not exist", (b) => ({ ...b, invite: ["rm-nobody"] }), 404),
    forbidden: "any signed-in account may create rooms",
    conflict: "room names are not unique, and a handle invited twice is merged",
    more: [bodyProbe("a blank name", (b) => ({ ...b, name: "   " })), bodyProbe("an invite that is not a handle", (b) => ({ ...b, invite: ["a b"] }))],
  }),
  "GET /api/v1/rooms/{roomId}": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await w.room();
      return { room, req: { url: `/api/v1/rooms/${room}`, token: w.member.token } };
    },
    happy: { status: 200, check: (res, s) => expect(res.body).toMatchObject({ id: s.room, members: expect.arrayContaining([expect.objectContaining({ membership: "join" })]) }) },
    path: [urlProbe("a roomId longer than 64 characters", () => `/api/v1/rooms/${"r".repeat(65)}`)],
    notFound: urlProbe("an unknown room", () => `/api/v1/rooms/${UNKNOWN.room}`, 404),
    forbidden: [asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider)],
    conflict: "read-only",
  }),
  "GET /api/v1/rooms/{roomId}/hello": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await w.room();
      return { room, req: { url: `/api/v1/rooms/${room}/hello`, token: w.member.token } };
    },
    happy: { status: 200, check: (res, s) => expect(res.body).toEqual({ greeting: "Hello", roomId: s.room, messages: expect.any(Number) }) },
    path: [urlProbe("a roomId longer than 64 characters (checked by the plugin host)", () => `/api/v1/rooms/${"r".repeat(65)}/hello`)],
    notFound: urlProbe("an unknown room", () => `/api/v1/rooms/${UNKNOWN.room}/hello`, 404),
    forbidden: [asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider), inviteeProbe("an invitee who has not joined")],
    conflict: "read-only",
  }),
  "GET /api/v1/rooms/{roomId}/call": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await portalRoom(w);
      const started = await w.must("POST", `/api/v1/rooms/${room}/call`, {}, w.member);
      return { room, started, req: { url: `/api/v1/rooms/${room}/call`, token: w.owner.token } };
    },
    happy: { status: 200, check: (res, s) => expect(res.body).toEqual(s.started) },
    path: [urlProbe("a roomId longer than 64 characters (checked by the plugin host)", () => `/api/v1/rooms/${"r".repeat(65)}/call`)],
    notFound: urlProbe("an unknown room", () => `/api/v1/rooms/${UNKNOWN.room}/call`, 404),
    forbidden: [asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider), inviteeProbe("an invitee who has not joined")],
    conflict: "read-only",
    more: [
      {
        what: "a room without a call: 404",
        status: 404,
        async req(_s, w) {
          const room = await portalRoom(w);
          return { url: `/api/v1/rooms/${room}/call`, token: w.member.token };
        },
      },
    ],
  }),
  "POST /api/v1/rooms/{roomId}/call": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await portalRoom(w);
      return { room, req: { url: `/api/v1/rooms/${room}/call`, token: w.member.token, body: { audioOnly: true } } };
    },
    happy: {
      status: 201,
      check: (res, _s, w) =>
        expect(res.body).toMatchObject({
          url: expect.stringMatching(/^https:\/\/meet\.jit\.si\/mirage[a-z0-9]{24}$/),
          audioOnly: true,
          creatorUserId: `@mirage_${w.member.name}:test.example`,
        }),
    },
    body: {
      wrongType: bodyProbe("audioOnly not a boolean", () => ({ audioOnly: "yes" })),
      missingField: bodyProbe("no audioOnly: optional, a video call starts", () => ({}), 201),
      unknownField: bodyProbe("an unknown field", (b) => ({ ...b, video: true })),
    },
    path: [urlProbe("a roomId longer than 64 characters (checked by the plugin host)", () => `/api/v1/rooms/${"r".repeat(65)}/call`)],
    notFound: urlProbe("an unknown room", () => `/api/v1/rooms/${UNKNOWN.room}/call`, 404),
    forbidden: [asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider), inviteeProbe("an invitee who has not joined")],
    conflict: "a running call is answered (200), never doubled (see more)",
    more: [
      {
        what: "a room whose Matrix room does not exist yet: 404",
        status: 404,
        async req(_s, w) {
          const room = await w.room();
          return { url: `/api/v1/rooms/${room}/call`, token: w.member.token, body: {} };
        },
      },
      {
        what: "a second start answers the running call: 200, same widget",
        status: 200,
        async req(s, w) {
          await w.must("POST", s.req.url, {}, w.owner);
          return s.req;
        },
      },
    ],
  }),
  "DELETE /api/v1/rooms/{roomId}/call": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await portalRoom(w);
      await w.must("POST", `/api/v1/rooms/${room}/call`, {}, w.owner);
      return { room, req: { url: `/api/v1/rooms/${room}/call`, token: w.member.token } };
    },
    happy: { status: 204, check: (res) => expect(res.text).toBe("") },
    path: [urlProbe("a roomId longer than 64 characters (checked by the plugin host)", () => `/api/v1/rooms/${"r".repeat(65)}/call`)],
    notFound: urlProbe("an unknown room", () => `/api/v1/rooms/${UNKNOWN.room}/call`, 404),
    forbidden: [asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider), inviteeProbe("an invitee who has not joined")],
    conflict: "ending twice: the second answers 404, no call (see more)",
    more: [
      {
        what: "ending an ended call: 404",
        status: 404,
        async req(s, w) {
          await w.must("DELETE", s.req.url, undefined, w.owner);
          return s.req;
        },
      },
    ],
  }),
  "PUT /api/v1/rooms/{roomId}/expiry": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await w.room();
      return { room, req: { url: `/api/v1/rooms/${room}/expiry`, token: w.owner.token, body: { seconds: 3600 } } };
    },
    happy: { status: 200, check: (res) => expect(res.body).toEqual({ seconds: 3600, mode: "after_send" }) },
    body: {
      wrongType: bodyProbe("seconds is a string", () => ({ seconds: "1h" })),
      missingField: bodyProbe("no seconds", () => ({})),
      unknownField: bodyProbe("an extra roomId", (b) => ({ ...b, roomId: UNKNOWN.room })),
    },
    path: [urlProbe("a roomId longer than 64 characters (checked by the plugin host)", () => `/api/v1/rooms/${"r".repeat(65)}/expiry`)],
    notFound: urlProbe("an unknown room", () => `/api/v1/rooms/${UNKNOWN.room}/expiry`, 404),
    forbidden: [
      asProbe("a member who does not moderate the room", 403, (_s, w) => w.member),
      asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider),
      inviteeProbe("an invitee who has not joined"),
    ],
    conflict: "setting the timer a room already has changes nothing and answers alike",
    more: [
      { what: "seconds beyond the configured longest timer", status: 400, req: (s) => ({ ...s.req, body: { seconds: 10 ** 9 } }) },
    ],
  }),
  "PUT /api/v1/blogs/{owner}/expiry": route({
    auth: "bearer",
    setup: async (w: World) => ({ req: { url: `/api/v1/blogs/${w.owner.name}/expiry`, token: w.owner.token, body: { seconds: 3600 } } }),
    happy: { status: 200, check: (res) => expect(res.body).toEqual({ seconds: 3600 }) },
    body: {
      wrongType: bodyProbe("seconds is a string", () => ({ seconds: "1h" })),
      missingField: bodyProbe("no seconds", () => ({})),
      unknownField: bodyProbe("an after_read mode (comments count from when they are written)", (b) => ({ ...b, mode: "after_read" })),
    },
    path: [urlProbe("an owner longer than 255 characters (checked by the plugin host)", () => `/api/v1/blogs/${"o".repeat(256)}/expiry`)],
    notFound: urlProbe("an account that does not exist", () => "/api/v1/blogs/rm-nobody/expiry", 404),
    forbidden: [asProbe("someone else's blog", 403, (_s, w) => w.member)],
    conflict: "setting the timer a blog already has changes nothing and answers alike",
    more: [{ what: "seconds beyond the configured longest timer", status: 400, req: (s) => ({ ...s.req, body: { seconds: 10 ** 9 } }) }],
  }),
  "GET /api/v1/plugins/hello/rooms/{roomId}/count": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await w.room();
      return { room, req: { url: `/api/v1/plugins/hello/rooms/${room}/count`, token: w.member.token } };
    },
    happy: { status: 200, check: (res, s) => expect(res.body).toEqual({ roomId: s.room, messages: expect.any(Number) }) },
    path: [urlProbe("a roomId longer than 64 characters", () => `/api/v1/plugins/hello/rooms/${"r".repeat(65)}/count`)],
    notFound: urlProbe("an unknown room", () => `/api/v1/plugins/hello/rooms/${UNKNOWN.room}/count`, 404),
    forbidden: [asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider)],
    conflict: "read-only",
  }),
  "POST /api/v1/rooms/{roomId}/members": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await w.room();
      const guest = await w.fresh();
      return { room, guest, req: { url: `/api/v1/rooms/${room}/members`, token: w.owner.token, body: { handle: guest.name } } };
    },
    happy: { status: 200, check: (res, s) => expect(res.body).toEqual({ member: s.guest.name, membership: "invite" }) },
    body: {
      wrongType: bodyProbe("handle is a number", () => ({ handle: 1 })),
      missingField: bodyProbe("no handle", () => ({})),
      unknownField: bodyProbe("an extra role", (b) => ({ ...b, role: "admin" })),
    },
    path: [urlProbe("a roomId longer than 64 characters", () => `/api/v1/rooms/${"r".repeat(65)}/members`)],
    notFound: urlProbe("an unknown room", () => `/api/v1/rooms/${UNKNOWN.room}/members`, 404),
    forbidden: [
      {
        what: "an invitee who has not joined yet inviting others",
        status: 403,
        async req(s, w) {
          await w.must("POST", s.req.url, { handle: w.outsider.name }, w.owner);
          return { ...s.req, token: w.outsider.token };
        },
      },
      asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider),
    ],
    conflict: bodyProbe("inviting someone who is already in the room", (_b, _s, w) => ({ handle: w.member.name }), 409),
    more: [
      {
        what: "inviting into a DM (DMs stay two-person)",
        status: 400,
        async req(s, w) {
          const dm = await w.must("POST", "/api/v1/dms", { handle: w.member.name }, w.owner);
          return { ...s.req, url: `/api/v1/rooms/${dm.id}/members` };
        },
      },
      bodyProbe("a handle that is not one", () => ({ handle: "@no-server" })),
    ],
  }),
  "DELETE /api/v1/rooms/{roomId}/members/me": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await w.room();
      return { room, req: { url: `/api/v1/rooms/${room}/members/me`, token: w.member.token } };
    },
    happy: {
      status: 204,
      check: async (_res, s, w) => expect((await w.call("GET", { url: `/api/v1/rooms/${s.room}`, token: w.member.token })).status).toBe(404),
    },
    path: [urlProbe("a roomId longer than 64 characters", () => `/api/v1/rooms/${"r".repeat(65)}/members/me`)],
    notFound: urlProbe("an unknown room", () => `/api/v1/rooms/${UNKNOWN.room}/members/me`, 404),
    forbidden: [asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider)],
    conflict: "leaving twice: the room is no longer visible, so the second call is 404 (see more)",
    more: [again("leaving again", 404)],
  }),
  "POST /api/v1/rooms/{roomId}/join": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = (await w.must("POST", "/api/v1/rooms", { name: "Open room", joinRule: "public" }, w.owner)).id as string;
      return { room, req: { url: `/api/v1/rooms/${room}/join`, token: w.outsider.token } };
    },
    happy: {
      status: 200,
      check: (res, _s, w) => {
        expect(res.body).toMatchObject({ joinRule: "public", membership: "join" });
        expect(res.body.members).toContainEqual({ member: w.outsider.name, membership: "join", kind: "mirage" });
      },
    },
    path: [urlProbe("a roomId longer than 64 characters", () => `/api/v1/rooms/${"r".repeat(65)}/join`)],
    notFound: urlProbe("an unknown room", () => `/api/v1/rooms/${UNKNOWN.room}/join`, 404),
    forbidden: [
      {
        what: "an invite-only room one was never in (hidden)",
        status: 404,
        req: async (s, w) => ({ ...s.req, url: `/api/v1/rooms/${await w.room()}/join` }),
      },
      {
        what: "a public room one is banned from",
        status: 403,
        async req(s, w) {
          await w.must("DELETE", `/api/v1/rooms/${(s as Scenario & { room: string }).room}/members/${w.outsider.name}?ban=true`, undefined, w.owner);
          return s.req;
        },
      },
      {
        what: "an invite-only room one left",
        status: 403,
        async req(_s, w) {
          const room = await w.room();
          await w.must("DELETE", `/api/v1/rooms/${room}/members/me`, undefined, w.member);
          return { url: `/api/v1/rooms/${room}/join`, token: w.member.token };
        },
      },
    ],
    conflict: "joining again changes nothing: 200 (see more)",
    more: [
      again("joining again", 200, (res) => expect(res.body.membership).toBe("join")),
      {
        what: "an invite-only room one is invited to",
        status: 200,
        async req(_s, w) {
          const room = (await w.must("POST", "/api/v1/rooms", { name: "Closed", invite: [w.outsider.name] }, w.owner)).id as string;
          return { url: `/api/v1/rooms/${room}/join`, token: w.outsider.token };
        },
        check: (res) => expect(res.body).toMatchObject({ joinRule: "invite", membership: "join" }),
      },
    ],
  }),
  "DELETE /api/v1/rooms/{roomId}/members/{member}": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await w.room();
      return { room, req: { url: `/api/v1/rooms/${room}/members/${w.member.name}`, token: w.owner.token } };
    },
    happy: {
      status: 200,
      check: async (res, s, w) => {
        expect(res.body).toEqual({ member: w.member.name, membership: "leave" });
        expect((await w.call("GET", { url: `/api/v1/rooms/${(s as Scenario & { room: string }).room}`, token: w.member.token })).status).toBe(404);
      },
    },
    path: [
      urlProbe("a roomId longer than 64 characters", (_s, w) => `/api/v1/rooms/${"r".repeat(65)}/members/${w.member.name}`),
      urlProbe("a member handle longer than 255 characters", (s) => s.req.url.replace(/[^/]+$/, "m".repeat(256))),
      urlProbe("a member that is not a handle", (s) => s.req.url.replace(/[^/]+$/, "%40no-server")),
    ],
    query: [
      urlProbe("ban=maybe (not a boolean)", (s) => withQuery(s.req.url, { ban: "maybe" })),
      urlProbe("an empty reason", (s) => withQuery(s.req.url, { reason: "" })),
      urlProbe("an unknown query parameter", (s) => withQuery(s.req.url, { forever: "true" })),
    ],
    notFound: urlProbe("an unknown room", (_s, w) => `/api/v1/rooms/${UNKNOWN.room}/members/${w.member.name}`, 404),
    forbidden: [
      asProbe("a member who is not the room's creator", 403, (_s, w) => w.member),
      asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider),
    ],
    conflict: "kicking someone no longer in the room is 404, banning twice changes nothing (see more)",
    more: [
      again("kicking again (no longer in the room)", 404),
      {
        what: "kicking yourself (leave instead)",
        status: 400,
        req: (s, w) => ({ ...s.req, url: s.req.url.replace(/[^/]+$/, w.owner.name) }),
      },
      {
        what: "a ban, with a reason: the member cannot be invited again",
        status: 200,
        req: (s) => ({ ...s.req, url: withQuery(s.req.url, { ban: "true", reason: "spam" }) }),
        async check(res, s, w) {
          expect(res.body).toEqual({ member: w.member.name, membership: "ban" });
          const room = (s as Scenario & { room: string }).room;
          expect((await w.call("POST", { url: `/api/v1/rooms/${room}/members`, body: { handle: w.member.name }, token: w.owner.token })).status).toBe(403);
          expect((await w.call("POST", { url: `/api/v1/rooms/${room}/join`, token: w.member.token })).status).toBe(403);
        },
      },
      {
        what: "a ban of someone never in the room (kept)",
        status: 200,
        req: (s, w) => ({ ...s.req, url: withQuery(s.req.url.replace(/[^/]+$/, w.outsider.name), { ban: "true" }) }),
        check: (res, _s, w) => expect(res.body).toEqual({ member: w.outsider.name, membership: "ban" }),
      },
    ],
  }),
  "DELETE /api/v1/rooms/{roomId}/bans/{member}": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await w.room();
      await w.must("DELETE", `/api/v1/rooms/${room}/members/${w.member.name}?ban=true`, undefined, w.owner);
      return { room, req: { url: `/api/v1/rooms/${room}/bans/${w.member.name}`, token: w.owner.token } };
    },
    happy: {
      status: 200,
      check: async (res, s, w) => {
        expect(res.body).toEqual({ member: w.member.name, membership: "leave" });
        const room = (s as Scenario & { room: string }).room;
        expect((await w.call("POST", { url: `/api/v1/rooms/${room}/members`, body: { handle: w.member.name }, token: w.owner.token })).status).toBe(200);
      },
    },
    path: [
      urlProbe("a roomId longer than 64 characters", (_s, w) => `/api/v1/rooms/${"r".repeat(65)}/bans/${w.member.name}`),
      urlProbe("a member that is not a handle", (s) => s.req.url.replace(/[^/]+$/, "%40no-server")),
    ],
    notFound: urlProbe("an unknown room", (_s, w) => `/api/v1/rooms/${UNKNOWN.room}/bans/${w.member.name}`, 404),
    forbidden: [{
        what: "a member who is not the room's creator",
        status: 403,
        async req(s, w) {
          const other = await w.fresh();
          await w.join((s as Scenario & { room: string }).room, other);
          return { ...s.req, token: other.token };
        },
      },
      asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider)],
    conflict: "lifting a ban twice: the second finds no ban, 404 (see more)",
    more: [again("lifting it again", 404), { what: "someone who is not banned", status: 404, req: (s, w) => ({ ...s.req, url: s.req.url.replace(/[^/]+$/, w.outsider.name) }) }],
  }),
  "POST /api/v1/dms": route({
    auth: "bearer",
    setup: async (w: World) => {
      const other = await w.fresh();
      return { other, req: { url: "/api/v1/dms", token: w.owner.token, body: { handle: other.name } } };
    },
    happy: {
      status: 201,
      check: (res, s) => {
        expect(res.body).toMatchObject({ id: expect.stringMatching(/^r_/), kind: "dm" });
        expect(res.body.members).toContainEqual({ member: s.other.name, membership: "join", kind: "mirage" });
      },
    },
    body: {
      wrongType: bodyProbe("handle is an array", (b) => ({ handle: [b.handle] })),
      missingField: bodyProbe("no handle", () => ({})),
      unknownField: bodyProbe("an extra name", (b) => ({ ...b, name: "us" })),
    },
    notFound: bodyProbe("an account that does not exist", () => ({ handle: "rm-nobody" }), 404),
    forbidden: "anyone may open a DM with any account or Matrix user",
    conflict: "an existing DM is found and answered 200, not 409 (see more)",
    more: [
      again("the same DM again (found, not created)", 200),
      {
        what: "reopening a DM you left (joined again, the same room)",
        status: 200,
        async req(s, w) {
          const dm = await w.must("POST", s.req.url, s.req.body, w.owner);
          await w.must("DELETE", `/api/v1/rooms/${dm.id}/members/me`, undefined, w.owner);
          return s.req;
        },
        check: (res, s, w) => {
          expect(res.body).toMatchObject({ kind: "dm", membership: "join" });
          expect(res.body.members).toContainEqual({ member: w.owner.name, membership: "join", kind: "mirage" });
          expect(res.body.members).toContainEqual({ member: s.other.name, membership: "join", kind: "mirage" });
        },
      },
      {
        what: "reopening a DM the other person left (they are invited again)",
        status: 200,
        async req(s, w) {
          const dm = await w.must("POST", s.req.url, s.req.body, w.owner);
          await w.must("DELETE", `/api/v1/rooms/${dm.id}/members/me`, undefined, s.other);
          return s.req;
        },
        check: (res, s) => expect(res.body.members).toContainEqual({ member: s.other.name, membership: "invite", kind: "mirage" }),
      },
      bodyProbe("a DM with yourself", (_b, _s, w) => ({ handle: w.owner.name.toUpperCase() }), 400),
      bodyProbe("a DM with a Matrix user (invited)", () => ({ handle: "dan@matrix.example" }), 201),
    ],
  }),
  "GET /api/v1/rooms/{roomId}/messages": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await w.room();
      const message = await w.message(room);
      return { room, message, req: { url: `/api/v1/rooms/${room}/messages`, token: w.member.token } };
    },
    happy: { status: 200, check: (res, s) => expect(res.body).toMatchObject({ messages: [expect.objectContaining({ id: s.message, deleted: false })], nextBefore: null }) },
    path: [urlProbe("a roomId longer than 64 characters", () => `/api/v1/rooms/${"r".repeat(65)}/messages`)],
    query: [
      urlProbe("limit=0", (s) => withQuery(s.req.url, { limit: "0" })),
      urlProbe("limit=101", (s) => withQuery(s.req.url, { limit: "101" })),
      urlProbe("before=soon (not an integer)", (s) => withQuery(s.req.url, { before: "soon" })),
      urlProbe("an unknown query parameter", (s) => withQuery(s.req.url, { after: "1" })),
      urlProbe("a threadId longer than 64 characters", (s) => withQuery(s.req.url, { threadId: "m".repeat(65) })),
    ],
    notFound: urlProbe("an unknown room", () => `/api/v1/rooms/${UNKNOWN.room}/messages`, 404),
    forbidden: [
      asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider),
      inviteeProbe("an invitee who has not joined yet (the room is visible to them, its messages are not)"),
    ],
    conflict: "read-only",
    more: [
      urlProbe("a thread whose root is unknown", (s) => withQuery(s.req.url, { threadId: UNKNOWN.message }), 404),
      {
        what: "a thread: its replies, then its root; the main timeline leaves the replies out",
        status: 200,
        async req(s, w) {
          const root = (s as Scenario & { message: string }).message;
          await w.must("POST", s.req.url, { body: "in thread", threadId: root }, w.member);
          return { ...s.req, url: withQuery(s.req.url, { threadId: root }) };
        },
        async check(res, s, w) {
          expect(res.body.messages.map((m: { body: string; threadId?: string }) => [m.body, m.threadId ?? null])).toEqual([
            ["in thread", (s as Scenario & { message: string }).message],
            ["fixture message", null],
          ]);
          const main = await w.call("GET", s.req);
          expect(main.body.messages).toEqual([expect.objectContaining({ body: "fixture message", threadSummary: { count: 1, latestId: res.body.messages[0].id } })]);
        },
      },
    ],
  }),
  "POST /api/v1/rooms/{roomId}/messages": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await w.room();
      return { room, req: { url: `/api/v1/rooms/${room}/messages`, token: w.member.token, body: { body: "hello **there**" } } };
    },
    happy: { status: 201, check: (res, s, w) => expect(res.body).toMatchObject({ id: expect.stringMatching(/^m_/), roomId: s.room, sender: w.member.name, seq: 1 }) },
    body: {
      wrongType: bodyProbe("body is a number", () => ({ body: 5 })),
      missingField: bodyProbe("no body", () => ({ parentId: UNKNOWN.message })),
      unknownField: bodyProbe("an extra format", (b) => ({ ...b, format: "html" })),
    },
    path: [urlProbe("a roomId longer than 64 characters", () => `/api/v1/rooms/${"r".repeat(65)}/messages`)],
    notFound: urlProbe("an unknown room", () => `/api/v1/rooms/${UNKNOWN.room}/messages`, 404),
    forbidden: [
      asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider),
      inviteeProbe("an invitee who has not joined yet"),
    ],
    conflict: "messages are not unique; sending never conflicts",
    more: [
      bodyProbe("a blank body", () => ({ body: "   " })),
      bodyProbe("a parentId that is not in this room", () => ({ body: "re", parentId: UNKNOWN.message })),
      bodyProbe("a threadId that is not in this room", () => ({ body: "re", threadId: UNKNOWN.message })),
      bodyProbe("an unknown kind", () => ({ body: "re", kind: "shout" })),
      bodyProbe("a notice", () => ({ body: "automated", kind: "notice" }), 201),
    ],
  }),
  "PUT /api/v1/rooms/{roomId}/read": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await w.room();
      const message = await w.message(room, w.owner);
      return { room, message, req: { url: `/api/v1/rooms/${room}/read`, token: w.member.token, body: { messageId: message } } };
    },
    happy: {
      status: 204,
      check: async (_res, s, w) => {
        const room = await w.call("GET", { url: `/api/v1/rooms/${s.room}`, token: w.member.token });
        expect(room.body).toMatchObject({ readUpTo: s.message, unreadCount: 0 });
      },
    },
    body: {
      wrongType: bodyProbe("messageId is a number", () => ({ messageId: 1 })),
      missingField: bodyProbe("no messageId", () => ({})),
      unknownField: bodyProbe("an extra threadId", (b) => ({ ...b, threadId: UNKNOWN.message })),
    },
    path: [urlProbe("a roomId longer than 64 characters", () => `/api/v1/rooms/${"r".repeat(65)}/read`)],
    notFound: urlProbe("an unknown room", () => `/api/v1/rooms/${UNKNOWN.room}/read`, 404),
    forbidden: [
      asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider),
      inviteeProbe("an invitee who has not joined yet"),
    ],
    conflict: "a marker only moves forward; an older or the same message is a no-op (see more)",
    more: [
      bodyProbe("an unknown message", () => ({ messageId: UNKNOWN.message }), 404),
      again("marking the same message again", 204),
    ],
  }),
  "PATCH /api/v1/messages/{messageId}": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await w.room();
      const message = await w.message(room, w.member);
      return { room, message, req: { url: `/api/v1/messages/${message}`, token: w.member.token, body: { body: "edited" } } };
    },
    happy: { status: 200, check: (res, s) => expect(res.body).toMatchObject({ id: s.message, body: "edited", editedAt: expect.any(String) }) },
    body: {
      wrongType: bodyProbe("body is a boolean", () => ({ body: true })),
      missingField: bodyProbe("no body", () => ({})),
      unknownField: bodyProbe("an extra roomId", (b) => ({ ...b, roomId: UNKNOWN.room })),
    },
    path: [urlProbe("a messageId longer than 64 characters", () => `/api/v1/messages/${"m".repeat(65)}`)],
    notFound: urlProbe("an unknown message", () => `/api/v1/messages/${UNKNOWN.message}`, 404),
    forbidden: [
      asProbe("another member of the room (the room's creator)", 403, (_s, w) => w.owner),
      asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider),
    ],
    conflict: editAfterDelete("editing a deleted message"),
  }),
  "DELETE /api/v1/messages/{messageId}": route({
    auth: "bearer",
    setup: async (w: World) => {
      const room = await w.room();
      const message = await w.message(room, w.member);
      return { room, message, req: { url: `/api/v1/messages/${message}`, token: w.member.token } };
    },
    happy: {
      status: 204,
      check: async (_res, s, w) => {
        const page = await w.call("GET", { url: `/api/v1/rooms/${s.room}/messages`, token: w.member.token });
        expect(page.body.messages[0]).toMatchObject({ id: s.message, deleted: true, body: "" });
      },
    },
    path: [urlProbe("a messageId longer than 64 characters", () => `/api/v1/messages/${"m".repeat(65)}`)],
    notFound: urlProbe("an unknown message", () => `/api/v1/messages/${UNKNOWN.message}`, 404),
    forbidden: [
      {
        what: "a member who is neither the sender nor the room's creator",
        status: 403,
        async req(s, w) {
          const third = await w.fresh();
          await w.join(s.room, third);
          return { ...s.req, token: third.token };
        },
      },
      asProbe("someone not in the room (hidden)", 404, (_s, w) => w.outsider),
    ],
    conflict: "deleting again is idempotent: 204, the tombstone stays (see more)",
    more: [again("deleting again", 204), asProbe("the room's creator deleting a member's message", 204, (_s, w) => w.owner)],
  }),

  "GET /api/v1/sync": route({
    auth: "bearer",
    setup: async (w: World) => ({ req: { url: "/api/v1/sync?timeout=0", token: w.owner.token } }),
    happy: { status: 200, check: (res) => expect(res.body).toMatchObject({ events: expect.any(Array), next: expect.any(String) }) },
    query: [
      urlProbe("timeout=-1", (s) => withQuery(s.req.url, { timeout: "-1" })),
      urlProbe("timeout above 120000", (s) => withQuery(s.req.url, { timeout: "120001" })),
      urlProbe("a since token that was never issued", (s) => withQuery(s.req.url, { since: "forged.token" })),
      urlProbe("an unknown query parameter", (s) => withQuery(s.req.url, { full_state: "true" })),
    ],
    notFound: "no path parameters",
    forbidden: "each account reads only its own stream",
    conflict: "read-only",
    more: [
      {
        what: "a poll that would wait while api.sync.maxWaits others wait",
        status: 503,
        async req(s, w) {
          const waiting = await Promise.all(Array.from({ length: MAX_WAITS }, () => w.fresh()));
          const since = w.h.hub.currentToken();
          const polls = waiting.map((user) => w.call("GET", { url: `/api/v1/sync?since=${encodeURIComponent(since)}&timeout=60000`, token: user.token }));
          await vi.waitFor(() => expect(w.h.hub.stats().waiters).toBe(MAX_WAITS), { timeout: 60_000, interval: 5 });
          // Once answered, the waiting polls are woken so they end with the case.
          releaseAfter = async () => {
            w.h.events.emit({ type: "profile.changed", name: "x", fields: ["bio"], by: "x" }, waiting.map((user) => user.name));
            expect((await Promise.all(polls)).map((res) => res.status)).toEqual(waiting.map(() => 200));
          };
          return { ...s.req, url: withQuery(s.req.url, { since, timeout: "60000" }) };
        },
        check: async () => {
          await releaseAfter();
        },
      },
    ],
  }),

  // --- blogs, posts, comments ---
  "GET /api/v1/blogs/{owner}": route({
    auth: "optional",
    setup: async (w: World) => {
      await w.post({ published: false });
      return { req: { url: `/api/v1/blogs/${w.owner.name}` } };
    },
    happy: {
      status: 200,
      check: (res, _s, w) => {
        expect(res.body).toMatchObject({ owner: w.owner.name, title: w.owner.name });
        expect(res.body.draftCount).toBeUndefined();
      },
    },
    path: [
      urlProbe("an owner longer than 255 characters", () => `/api/v1/blogs/${"o".repeat(256)}`),
      urlProbe("an owner that is not a handle", () => "/api/v1/blogs/a%20b"),
    ],
    notFound: urlProbe("an account that does not exist", () => "/api/v1/blogs/rm-nobody", 404),
    forbidden: "public; drafts are counted for the owner only (see more)",
    conflict: "read-only",
    more: [asProbe("the owner (sees the draft count)", 200, (_s, w) => w.owner, (res) => expect(res.body.draftCount).toBeGreaterThan(0))],
  }),
  "PATCH /api/v1/blogs/{owner}": route({
    auth: "bearer",
    setup: async (w: World) => ({ req: { url: `/api/v1/blogs/${w.owner.name}`, token: w.owner.token, body: { title: "My notes", description: "Things" } } }),
    happy: { status: 200, check: (res, _s, w) => expect(res.body).toMatchObject({ owner: w.owner.name, title: "My notes", description: "Things", draftCount: 0 }) },
    body: {
      wrongType: bodyProbe("title is a number", () => ({ title: 1 })),
      missingField: bodyProbe("an empty patch (at least one field)", () => ({})),
      unknownField: bodyProbe("an extra theme", (b) => ({ ...b, theme: "dark" })),
    },
    path: [urlProbe("an owner longer than 255 characters", () => `/api/v1/blogs/${"o".repeat(256)}`)],
    notFound: urlProbe("an account that does not exist", () => "/api/v1/blogs/rm-nobody", 404),
    forbidden: [asProbe("someone else's blog", 403, (_s, w) => w.member)],
    conflict: "blog settings have no unique fields",
    more: [bodyProbe("blocking something that is not a handle", () => ({ blockedCommenters: ["no such handle!"] }))],
  }),
  "GET /api/v1/blogs/{owner}/posts": route({
    auth: "optional",
    setup: async (w: World) => {
      const post = await w.post();
      await w.post({ published: false });
      return { post, req: { url: `/api/v1/blogs/${w.owner.name}/posts` } };
    },
    happy: {
      status: 200,
      check: (res, s) => {
        expect(res.body.posts).toContainEqual(expect.objectContaining({ id: s.post.id }));
        expect(res.body.posts.filter((p: { published: boolean }) => !p.published)).toEqual([]);
      },
    },
    path: [urlProbe("an owner longer than 255 characters", () => `/api/v1/blogs/${"o".repeat(256)}/posts`)],
    query: [
      urlProbe("limit=0", (s) => withQuery(s.req.url, { limit: "0" })),
      urlProbe("limit=51", (s) => withQuery(s.req.url, { limit: "51" })),
      urlProbe("a cursor that was never issued", (s) => withQuery(s.req.url, { cursor: "!!!" })),
      urlProbe("an unknown query parameter", (s) => withQuery(s.req.url, { tag: "x" })),
    ],
    notFound: urlProbe("an account that does not exist", () => "/api/v1/blogs/rm-nobody/posts", 404),
    forbidden: "public; drafts are listed for the owner only (see more)",
    conflict: "read-only",
    more: [asProbe("the owner (sees the draft too)", 200, (_s, w) => w.owner, (res) => expect(res.body.posts).toContainEqual(expect.objectContaining({ published: false })))],
  }),
  "POST /api/v1/blogs/{owner}/posts": route({
    auth: "bearer",
    setup: async (w: World) => ({ req: { url: `/api/v1/blogs/${w.owner.name}/posts`, token: w.owner.token, body: { title: "Hello World", body: "first", tags: ["x"] } } }),
    happy: { status: 201, check: (res, _s, w) => expect(res.body).toMatchObject({ id: expect.stringMatching(/^p_/), blog: w.owner.name, slug: expect.stringMatching(/^hello-world/), published: true }) },
    body: {
      wrongType: bodyProbe("published is a string", (b) => ({ ...b, published: "yes" })),
      missingField: bodyProbe("no title", (b) => omit(b, "title")),
      unknownField: bodyProbe("an extra author", (b) => ({ ...b, author: "someone" })),
    },
    path: [urlProbe("an owner longer than 255 characters", () => `/api/v1/blogs/${"o".repeat(256)}/posts`)],
    notFound: urlProbe("a blog that does not exist", () => "/api/v1/blogs/rm-nobody/posts", 404),
    forbidden: [asProbe("someone else's blog", 403, (_s, w) => w.member)],
    conflict: {
      what: "an explicit slug that is taken",
      status: 409,
      async req(s, w) {
        const taken = await w.post();
        return { ...s.req, body: { ...(s.req.body as object), slug: taken.slug } };
      },
    },
    more: [bodyProbe("a slug of the wrong form", (b) => ({ ...b, slug: "Not A Slug" })), bodyProbe("a blank title", (b) => ({ ...b, title: "   " }))],
  }),
  "GET /api/v1/blogs/{owner}/posts/{slug}": route({
    auth: "optional",
    setup: async (w: World) => {
      const post = await w.post();
      return { post, req: { url: `/api/v1/blogs/${w.owner.name}/posts/${post.slug}` } };
    },
    happy: { status: 200, check: (res, s) => expect(res.body).toMatchObject({ id: s.post.id, slug: s.post.slug }) },
    path: [urlProbe("a slug of the wrong form", (s) => s.req.url.replace(/[^/]+$/, "Not_A_Slug")), urlProbe("an owner that is not a handle", (s) => s.req.url.replace(/blogs\/[^/]+/, "blogs/a%20b"))],
    notFound: urlProbe("an unknown slug", (s) => s.req.url.replace(/[^/]+$/, "no-such-post"), 404),
    forbidden: [
      {
        what: "someone else's draft (hidden)",
        status: 404,
        async req(_s, w) {
          const draft = await w.post({ published: false });
          return { url: `/api/v1/blogs/${w.owner.name}/posts/${draft.slug}`, token: w.member.token };
        },
      },
    ],
    conflict: "read-only",
  }),
  "GET /api/v1/posts/{postId}": route({
    auth: "optional",
    setup: async (w: World) => {
      const post = await w.post();
      return { post, req: { url: `/api/v1/posts/${post.id}` } };
    },
    happy: { status: 200, check: (res, s) => expect(res.body).toMatchObject({ id: s.post.id, commentCount: 0, myReactions: [] }) },
    path: [urlProbe("a postId of the wrong form", () => "/api/v1/posts/p_short")],
    notFound: urlProbe("an unknown post", () => `/api/v1/posts/${UNKNOWN.post}`, 404),
    forbidden: [
      {
        what: "someone else's draft (hidden)",
        status: 404,
        req: async (_s, w) => ({ url: `/api/v1/posts/${(await w.post({ published: false })).id}`, token: w.member.token }),
      },
    ],
    conflict: "read-only",
    more: [
      {
        what: "a deleted post",
        status: 404,
        async req(s, w) {
          await w.must("DELETE", s.req.url, undefined, w.owner);
          return s.req;
        },
      },
    ],
  }),
  "PATCH /api/v1/posts/{postId}": route({
    auth: "bearer",
    setup: async (w: World) => {
      const post = await w.post();
      return { post, req: { url: `/api/v1/posts/${post.id}`, token: w.owner.token, body: { title: "Renamed", commentsOpen: false } } };
    },
    happy: { status: 200, check: (res, s) => expect(res.body).toMatchObject({ id: s.post.id, title: "Renamed", slug: s.post.slug, commentsOpen: false }) },
    body: {
      wrongType: bodyProbe("tags is a string", () => ({ tags: "x" })),
      missingField: bodyProbe("an empty patch (at least one field)", () => ({})),
      unknownField: bodyProbe("an extra author", (b) => ({ ...b, author: "someone" })),
    },
    path: [urlProbe("a postId of the wrong form", () => "/api/v1/posts/p_short")],
    notFound: urlProbe("an unknown post", () => `/api/v1/posts/${UNKNOWN.post}`, 404),
    forbidden: [
      asProbe("someone else's published post", 403, (_s, w) => w.member),
      {
        what: "someone else's draft (hidden)",
        status: 404,
        req: async (s, w) => ({ ...s.req, url: `/api/v1/posts/${(await w.post({ published: false })).id}`, token: w.member.token }),
      },
    ],
    conflict: {
      what: "a slug another post of the blog has",
      status: 409,
      req: async (s, w) => ({ ...s.req, body: { slug: (await w.post()).slug } }),
    },
  }),
  "DELETE /api/v1/posts/{postId}": route({
    auth: "bearer",
    setup: async (w: World) => {
      const post = await w.post();
      return { post, req: { url: `/api/v1/posts/${post.id}`, token: w.owner.token } };
    },
    happy: { status: 204, check: async (_res, s, w) => expect((await w.call("GET", { url: s.req.url })).status).toBe(404) },
    path: [urlProbe("a postId of the wrong form", () => "/api/v1/posts/p_short")],
    notFound: urlProbe("an unknown post", () => `/api/v1/posts/${UNKNOWN.post}`, 404),
    forbidden: [
      asProbe("someone else's published post", 403, (_s, w) => w.member),
      {
        what: "someone else's draft (hidden)",
        status: 404,
        req: async (s, w) => ({ ...s.req, url: `/api/v1/posts/${(await w.post({ published: false })).id}`, token: w.member.token }),
      },
    ],
    conflict: "a deleted post is gone from every read, so deleting again is 404 (see more); comments and messages keep visible tombstones and answer 204",
    more: [again("deleting again", 404)],
  }),
  "GET /api/v1/posts/{postId}/comments": route({
    auth: "optional",
    setup: async (w: World) => {
      const post = await w.post();
      const comment = await w.comment(post.id);
      return { post, comment, req: { url: `/api/v1/posts/${post.id}/comments` } };
    },
    happy: { status: 200, check: (res, s) => expect(res.body).toMatchObject({ comments: [expect.objectContaining({ id: s.comment, depth: 0 })], next: null }) },
    path: [urlProbe("a postId of the wrong form", () => "/api/v1/posts/p_short/comments")],
    query: [
      urlProbe("limit=0", (s) => withQuery(s.req.url, { limit: "0" })),
      urlProbe("limit=201", (s) => withQuery(s.req.url, { limit: "201" })),
      urlProbe("a cursor that was never issued", (s) => withQuery(s.req.url, { cursor: "!!!" })),
      urlProbe("an unknown query parameter", (s) => withQuery(s.req.url, { order: "new" })),
    ],
    notFound: urlProbe("an unknown post", () => `/api/v1/posts/${UNKNOWN.post}/comments`, 404),
    forbidden: [
      {
        what: "the comments of someone else's draft (hidden)",
        status: 404,
        req: async (_s, w) => ({ url: `/api/v1/posts/${(await w.post({ published: false })).id}/comments`, token: w.member.token }),
      },
    ],
    conflict: "read-only",
  }),
  "POST /api/v1/posts/{postId}/comments": route({
    auth: "bearer",
    setup: async (w: World) => {
      const post = await w.post();
      return { post, req: { url: `/api/v1/posts/${post.id}/comments`, token: w.member.token, body: { body: "nice" } } };
    },
    happy: { status: 201, check: (res, s, w) => expect(res.body).toMatchObject({ id: expect.stringMatching(/^c_/), postId: s.post.id, author: w.member.name, depth: 0 }) },
    body: {
      wrongType: bodyProbe("body is a number", () => ({ body: 1 })),
      missingField: bodyProbe("no body", () => ({ parentId: UNKNOWN.comment })),
      unknownField: bodyProbe("an extra author", (b) => ({ ...b, author: "someone" })),
    },
    path: [urlProbe("a postId of the wrong form", () => "/api/v1/posts/p_short/comments")],
    notFound: urlProbe("an unknown post", () => `/api/v1/posts/${UNKNOWN.post}/comments`, 404),
    forbidden: [
      {
        what: "a post closed to comments",
        status: 403,
        async req(s, w) {
          await w.must("PATCH", `/api/v1/posts/${s.post.id}`, { commentsOpen: false }, w.owner);
          return s.req;
        },
      },
      {
        what: "a commenter the blog's owner blocked",
        status: 403,
        async req(s, w) {
          const pest = await w.fresh();
          await w.must("PATCH", `/api/v1/blogs/${w.owner.name}`, { blockedCommenters: [pest.name] }, w.owner);
          return { ...s.req, token: pest.token };
        },
      },
      {
        what: "someone else's draft (hidden)",
        status: 404,
        req: async (s, w) => ({ ...s.req, url: `/api/v1/posts/${(await w.post({ published: false })).id}/comments` }),
      },
    ],
    conflict: "comments are not unique; a bad parentId is 400 (see more)",
    more: [bodyProbe("a parentId of the wrong form", (b) => ({ ...b, parentId: "c_short" })), bodyProbe("a parentId that is not on this post", (b) => ({ ...b, parentId: UNKNOWN.comment }))],
  }),
  "PATCH /api/v1/comments/{commentId}": route({
    auth: "bearer",
    setup: async (w: World) => {
      const post = await w.post();
      const comment = await w.comment(post.id);
      return { post, comment, req: { url: `/api/v1/comments/${comment}`, token: w.member.token, body: { body: "edited" } } };
    },
    happy: { status: 200, check: (res, s) => expect(res.body).toMatchObject({ id: s.comment, body: "edited", editedAt: expect.any(String) }) },
    body: {
      wrongType: bodyProbe("body is an object", () => ({ body: { text: "x" } })),
      missingField: bodyProbe("no body", () => ({})),
      unknownField: bodyProbe("an extra parentId", (b) => ({ ...b, parentId: UNKNOWN.comment })),
    },
    path: [urlProbe("a commentId of the wrong form", () => "/api/v1/comments/c_short")],
    notFound: urlProbe("an unknown comment", () => `/api/v1/comments/${UNKNOWN.comment}`, 404),
    forbidden: [asProbe("the blog's owner (moderates, but does not edit)", 403, (_s, w) => w.owner), asProbe("a third person", 403, (_s, w) => w.outsider)],
    conflict: editAfterDelete("editing a deleted comment (its tombstone stays visible, as a deleted message's does)"),
  }),
  "DELETE /api/v1/comments/{commentId}": route({
    auth: "bearer",
    setup: async (w: World) => {
      const post = await w.post();
      const comment = await w.comment(post.id);
      return { post, comment, req: { url: `/api/v1/comments/${comment}`, token: w.member.token } };
    },
    happy: {
      status: 204,
      check: async (_res, s, w) => expect((await w.call("GET", { url: `/api/v1/posts/${s.post.id}/comments` })).body.comments).toEqual([]),
    },
    path: [urlProbe("a commentId of the wrong form", () => "/api/v1/comments/c_short")],
    notFound: urlProbe("an unknown comment", () => `/api/v1/comments/${UNKNOWN.comment}`, 404),
    forbidden: [asProbe("a third person (neither author nor blog owner)", 403, (_s, w) => w.outsider)],
    conflict: "deleting again changes nothing: 204, the tombstone stays (as for messages; see more)",
    more: [again("deleting again", 204), asProbe("the blog's owner, moderating", 204, (_s, w) => w.owner)],
  }),

  // --- reactions ---
  "PUT /api/v1/posts/{id}/reactions/{key}": reactionRow("posts", "PUT"),
  "DELETE /api/v1/posts/{id}/reactions/{key}": reactionRow("posts", "DELETE"),
  "PUT /api/v1/comments/{id}/reactions/{key}": reactionRow("comments", "PUT"),
  "DELETE /api/v1/comments/{id}/reactions/{key}": reactionRow("comments", "DELETE"),
  "PUT /api/v1/messages/{id}/reactions/{key}": reactionRow("messages", "PUT"),
  "DELETE /api/v1/messages/{id}/reactions/{key}": reactionRow("messages", "DELETE"),
};

/**
 * Statuses the code returns that the operation's OpenAPI responses leave out. Each is a docs bug
 * to fix in src/; the test fails once an entry is documented, so the list stays true.
 */
const UNDOCUMENTED: Readonly<Record<string, readonly number[]>> = {};

/** Statuses an operation documents that it cannot return, and why. Checked to be documented. */
const NEVER_RETURNED: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  "GET /metrics": { 401: "only with operations.metrics.requireToken, which this harness leaves off (api.test.ts covers it)" },
};

/**
 * Statuses no row provokes on purpose: rate limits have their own tests (a harness with tiny
 * limits); render time limits and the render queue too (renderPool.test.ts, a pool with a gated thread).
 */
const NOT_PROBED_HERE = new Set([422, 429, 503]);

/** Routes that are framework plumbing, not API: CORS preflight. */
const PLUMBING = new Set(["OPTIONS *"]);

// ---------------------------------------------------------------------------------------------
// Shared state and checks

let h: Harness;
let doc: any;
const validators = new Map<string, ValidateFunction>();
let ajv: Ajv;

beforeAll(async () => {
  // Every row signs up three accounts, and some cases more: lift the per-IP sign-up limit.
  // The example plugin's routes stand for every plugin's: mounted by the host, documented, checked like the rest.
  h = await apiHarness({ signUpPerHour: 100_000, loginPerMinute: 100_000, sync: { maxWaits: MAX_WAITS }, plugins: [
      { definition: helloPlugin, config: { greeting: "Hello" } },
      { definition: jitsiPlugin, config: { domain: "meet.jit.si", widgetWrapperUrl: "https://app.element.io/jitsi.html" } },
      { definition: expiryPlugin, config: { maxSeconds: 86_400 } },
    ],
  });
  doc = (await h.app.inject({ url: "/api/v1/openapi.json" })).json();
  ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: "openapi", components: doc.components });
});

const splitKey = (key: string) => {
  const space = key.indexOf(" ");
  return { method: key.slice(0, space), path: key.slice(space + 1) };
};

function operation(key: string): any {
  const { method, path } = splitKey(key);
  return doc.paths?.[path]?.[method.toLowerCase()];
}

function documentedOperations(): string[] {
  return Object.entries<Record<string, unknown>>(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => ["get", "put", "post", "patch", "delete", "head", "options"].includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

function documentedStatuses(key: string): number[] {
  return Object.keys(operation(key)?.responses ?? {}).map(Number);
}

/** The documented JSON schema for `status`, made standalone (its $refs point into the shared components). */
function responseValidator(key: string, status: number): ValidateFunction | undefined {
  const id = `${key} ${status}`;
  if (!validators.has(id)) {
    const schema = operation(key)?.responses?.[status]?.content?.["application/json"]?.schema;
    if (schema === undefined) return undefined;
    validators.set(id, ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'))));
  }
  return validators.get(id);
}

/** The status, the error shape, and agreement with the OpenAPI document. */
function expectAnswer(key: string, res: Res, status: number, code = CODE_FOR[status]): void {
  expect(res.status, `${res.status} ${res.text.slice(0, 300)}`).toBe(status);
  if (status >= 400) expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
  if (TABLE[key]!.hidden) return;
  if (UNDOCUMENTED[key]?.includes(status)) {
    expect(documentedStatuses(key), `${status} is listed in UNDOCUMENTED but now documented: drop it from the list`).not.toContain(status);
    return;
  }
  expect(documentedStatuses(key), `${key} answers ${status}, which its OpenAPI responses do not list`).toContain(status);
  const validate = responseValidator(key, status);
  if (validate) expect(validate(res.body), ajv.errorsText(validate.errors)).toBe(true);
  else if (status === 204) expect(res.text).toBe("");
}

/** The path parameters and query parameters an operation declares. */
const parametersIn = (key: string, where: "path" | "query") => ((operation(key)?.parameters ?? []) as Array<{ in: string; name: string }>).filter((p) => p.in === where);

/** Every probe a row declares, with the class it belongs to, for the coverage checks. */
function probesOf(spec: Spec<Scenario>): Array<{ kind: string; probe: Probe<Scenario> }> {
  const list = (kind: string, p: Probe<Scenario> | Array<Probe<Scenario>> | Reason | undefined) =>
    p === undefined || typeof p === "string" ? [] : (Array.isArray(p) ? p : [p]).map((probe) => ({ kind, probe }));
  return [
    ...list("validation", spec.body ? [spec.body.wrongType, spec.body.missingField, spec.body.unknownField] : undefined),
    ...list("validation", spec.path),
    ...list("validation", spec.query),
    ...list("not-found", spec.notFound),
    ...list("forbidden", spec.forbidden),
    ...list("conflict", spec.conflict),
    ...list("more", spec.more),
  ];
}

/** The statuses a row's cases expect, including the auth cases. */
function statusesProvoked(spec: Spec<Scenario>): Set<number> {
  const out = new Set<number>([spec.happy.status, ...probesOf(spec).map((p) => p.probe.status)]);
  if (spec.auth !== "none") out.add(401);
  if (spec.body) out.add(413);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The table, the document and the router agree

/** Routes as the router knows them, `METHOD /path` with every parameter written `{}`. */
function registeredRoutes(app: FastifyInstance): Set<string> {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    stack.length = m[1]!.length / 4;
    // find-my-way prints the wildcard of `/app/*` as `*` under `/app`: its slash is part of it.
    stack.push(m[2] === "*" && stack.length > 0 && !stack.at(-1)!.endsWith("/") ? "/*" : m[2]!);
    const path = normalizePath(stack.join(""));
    for (const method of m[3]?.split(", ") ?? []) out.add(`${method} ${path}`);
  }
  return out;
}
const normalizePath = (path: string) => path.replace(/:\w+(?:\|:\w+)*/g, "{}").replace(/\{\w+\}/g, "{}");
const normalizeKey = (key: string) => `${splitKey(key).method} ${normalizePath(splitKey(key).path)}`;

describe("route matrix: the table covers every route", () => {
  it("lists exactly the operations of the OpenAPI document (plus the hidden ones)", () => {
    const documented = documentedOperations().sort();
    const tabled = Object.keys(TABLE)
      .filter((k) => !TABLE[k]!.hidden)
      .sort();
    expect(tabled, "add a row for each new route; drop rows of routes that are gone").toEqual(documented);
    for (const key of Object.keys(TABLE).filter((k) => TABLE[k]!.hidden)) expect(operation(key), `${key} is marked hidden but documented`).toBeUndefined();
  });

  it("lists exactly the routes the router serves (HEAD for GET and CORS preflight aside)", () => {
    const registered = registeredRoutes(h.app);
    const served = [...registered].filter((r) => !PLUMBING.has(r) && !(r.startsWith("HEAD ") && registered.has(`GET ${r.slice(5)}`)));
    expect(served.sort()).toEqual(Object.keys(TABLE).map(normalizeKey).sort());
  });

  it("says for each route how it authenticates, as its OpenAPI security does", () => {
    const expected: Record<AuthKind, unknown> = { bearer: [{ bearer: [] }], optional: [{}, { bearer: [] }], none: undefined };
    for (const [key, spec] of Object.entries(TABLE)) if (!spec.hidden) expect(operation(key).security, key).toEqual(spec.security ?? expected[spec.auth]);
  });

  it("has body probes exactly for routes that take a body, path probes for path parameters, query probes for query parameters", () => {
    for (const [key, spec] of Object.entries(TABLE)) {
      if (spec.hidden) continue;
      expect(spec.body !== undefined, `${key}: body probes`).toBe(operation(key).requestBody !== undefined);
      expect(spec.path !== undefined, `${key}: path probes`).toBe(parametersIn(key, "path").length > 0);
      expect(spec.query !== undefined, `${key}: query probes`).toBe(parametersIn(key, "query").length > 0);
    }
  });

  it("provokes every status each operation documents, or says why it cannot", () => {
    const missing: string[] = [];
    for (const [key, spec] of Object.entries(TABLE)) {
      if (spec.hidden) continue;
      const provoked = statusesProvoked(spec);
      for (const status of documentedStatuses(key)) {
        if (provoked.has(status) || NOT_PROBED_HERE.has(status)) continue;
        if (NEVER_RETURNED[key]?.[status] !== undefined) continue;
        missing.push(`${key} ${status}`);
      }
      for (const status of Object.keys(NEVER_RETURNED[key] ?? {}).map(Number)) {
        expect(documentedStatuses(key), `${key}: NEVER_RETURNED ${status} is no longer documented; drop it`).toContain(status);
        expect(provoked.has(status), `${key}: NEVER_RETURNED ${status} but a case provokes it`).toBe(false);
      }
    }
    expect(missing).toEqual([]);
  });

  it("answers 404 NOT_FOUND for a route that does not exist", async () => {
    const res = await call(h.app, "GET", { url: "/api/v1/nothing-here" });
    expect(res).toMatchObject({ status: 404, body: { error: { code: "NOT_FOUND" } } });
  });
});

// ---------------------------------------------------------------------------------------------
// The generated cases

/** A valid token for the same account and session with one thing wrong, and other bad headers. */
const AUTH_FAILURES: ReadonlyArray<{ what: string; message: RegExp; authorization(token: string, w: World): Promise<string | undefined> }> = [
  { what: "no Authorization header", message: /missing bearer/, authorization: async () => undefined },
  { what: "a Basic header", message: /missing bearer/, authorization: async () => `Basic ${Buffer.from(`x:${PASSWORD}`).toString("base64")}` },
  { what: "a garbage token", message: /invalid access token/, authorization: async () => "Bearer not-a-jwt" },
  {
    what: "a token signed with another secret",
    message: /invalid access token/,
    authorization: async (token) => {
      const { sub, sid } = decodeJwt(token) as { sub: never; sid: never };
      return `Bearer ${await new TokenSigner(new TextEncoder().encode("another-secret-another-secret-another!"), 900).sign(sub, sid)}`;
    },
  },
  {
    what: "an expired token",
    message: /expired/,
    authorization: async (token) => {
      const { sub, sid } = decodeJwt(token) as { sub: never; sid: never };
      return `Bearer ${await new TokenSigner(TEST_SECRET, -60).sign(sub, sid)}`;
    },
  },
  {
    what: "an unsigned (alg: none) token",
    message: /invalid access token/,
    authorization: async (token) => {
      const [, payload] = token.split(".");
      return `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${payload}.`;
    },
  },
  {
    what: "the token of a session that logged out",
    message: /session ended/,
    authorization: async (token, w) => {
      const ended = await w.session({ name: decodeJwt(token).sub! });
      await w.must("DELETE", "/api/v1/sessions", undefined, { token: ended });
      return `Bearer ${ended}`;
    },
  },
];

for (const [key, spec] of Object.entries(TABLE)) {
  const { method } = splitKey(key);
  describe(key, () => {
    let w: World;
    beforeAll(async () => {
      w = await World.create(h);
    });
    const setup = async () => ({ method, ...(await spec.setup(w)) });
    const run = async (probe: Probe<Scenario>) => {
      const s = await setup();
      const res = await w.call(method, await probe.req(s, w));
      expectAnswer(key, res, probe.status, probe.code);
      await probe.check?.(res, s, w);
    };

    it(`happy: ${spec.happy.status}`, async () => {
      const s = await setup();
      const res = await w.call(method, s.req);
      expectAnswer(key, res, spec.happy.status);
      await spec.happy.check(res, s, w);
    });

    if (spec.auth === "bearer" || spec.auth === "optional") {
      for (const failure of AUTH_FAILURES) {
        if (spec.auth === "optional" && failure.what === "no Authorization header") continue;
        it(`auth: ${failure.what} → 401`, async () => {
          const s = await setup();
          const authorization = await failure.authorization(s.req.token ?? w.owner.token, w);
          const res = await w.call(method, { ...s.req, token: undefined, authorization });
          expectAnswer(key, res, 401);
          expect(res.body.error.message).toMatch(failure.message);
        });
      }
    }
    if (spec.auth === "bearer" && spec.body) {
      const invalid = spec.body.wrongType;
      it("auth: no token and an invalid body → 401 (sign-in is checked before the input)", async () => {
        const s = await setup();
        const res = await w.call(method, { ...(await invalid.req(s, w)), token: undefined });
        expectAnswer(key, res, 401);
      });
    }
    if (spec.auth === "optional" || spec.auth === "none") {
      it(`auth: public, succeeds without a token (${spec.happy.status})`, async () => {
        const s = await setup();
        const res = await w.call(method, { ...s.req, token: undefined });
        expectAnswer(key, res, spec.happy.status);
      });
    }
    if (spec.auth === "none") {
      it(`auth: public, ignores a garbage token (${spec.happy.status})`, async () => {
        const s = await setup();
        expectAnswer(key, await w.call(method, { ...s.req, token: undefined, authorization: "Bearer not-a-jwt" }), spec.happy.status);
      });
    }

    if (spec.body) {
      for (const [label, probe] of [
        ["wrong type", spec.body.wrongType],
        ["missing required field", spec.body.missingField],
        ["unknown extra field", spec.body.unknownField],
      ] as const) {
        it(`validation: ${label} (${probe.what}) → ${probe.status}`, () => run(probe));
      }
      it("validation: a body over the size limit → 413", async () => {
        const s = await setup();
        const res = await w.call(method, { ...s.req, body: { padding: "x".repeat(BODY_LIMIT_BYTES) } });
        expectAnswer(key, res, 413);
      });
    }
    for (const probe of spec.path ?? []) it(`validation: bad path parameter (${probe.what}) → ${probe.status}`, () => run(probe));
    for (const probe of spec.query ?? []) it(`validation: bad query parameter (${probe.what}) → ${probe.status}`, () => run(probe));
    if (typeof spec.notFound !== "string") {
      const probe = spec.notFound;
      it(`not-found: ${probe.what} → ${probe.status}`, () => run(probe));
    }
    if (typeof spec.forbidden !== "string") for (const probe of spec.forbidden) it(`forbidden: ${probe.what} → ${probe.status}`, () => run(probe));
    if (typeof spec.conflict !== "string") {
      const probe = spec.conflict;
      it(`conflict: ${probe.what} → ${probe.status}`, () => run(probe));
    }
    for (const probe of spec.more ?? []) it(`more: ${probe.what} → ${probe.status}`, () => run(probe));
  });
}
