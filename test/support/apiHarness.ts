import { MemoryLevel } from "memory-level";
import { Registry } from "prom-client";
import { buildApi } from "../../src/api/buildApi.js";
import type { MediaRoutesOptions } from "../../src/api/routes/mediaRoutes.js";
import { createLogger, type Logger } from "../../src/log/createLogger.js";
import { AccountService } from "../../src/platform/accounts/AccountService.js";
import { LoginThrottle, type LoginThrottleOptions } from "../../src/platform/accounts/LoginThrottle.js";
import { WriteThrottle } from "../../src/platform/accounts/WriteThrottle.js";
import { ScryptPasswordHasher } from "../../src/platform/accounts/PasswordHasher.js";
import { TokenSigner } from "../../src/platform/accounts/TokenSigner.js";
import { createPlatformServices } from "../../src/platform/createPlatformServices.js";
import { DomainEventBus, type PublishedEvent } from "../../src/platform/events/DomainEvent.js";
import { people } from "../../src/platform/people/people.js";
import type { MarkdownRenderer } from "../../src/platform/ports/MarkdownRenderer.js";
import type { ProfileSanitizer } from "../../src/platform/accounts/ProfileService.js";
import { SyncHub } from "../../src/platform/sync/SyncHub.js";
import type { SyncHubOptions } from "../../src/platform/sync/SyncHubOptions.js";
import { publishDomainEvents } from "../../src/platform/sync/publishDomainEvents.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";

/** Test stand-in for the Markdown renderer: escapes everything (the real one is tested on its own). */
export const escapingRenderer: MarkdownRenderer = {
  toWebHtml: async (md) => `<p>${md.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</p>`,
  toMatrixHtml: async (md) => `<p>${md.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</p>`,
};

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** Test stand-in for the profile sanitizers; the real ones are tested with the XSS corpus. */
export const escapingSanitizer: ProfileSanitizer = { bioHtml: async (md) => `<p>${escape(md)}</p>`, html: async (s) => escape(s), css: async () => "" };

export const TEST_SECRET = new TextEncoder().encode("test-secret-test-secret-test-secret!!");

/** The HTTP side over an in-memory store, with cheap password hashing (same code, smaller N). */
export async function apiHarness(
  options: {
    signUpPerHour?: number;
    loginPerMinute?: number;
    /** Per-account write budget; absent: unlimited. */
    writes?: { perMinute: number; burst: number; charsPerWrite?: number };
    corsOrigins?: string[];
    now?: () => number;
    sanitizer?: ProfileSanitizer;
    /** Serves `/media/…` from this source. */
    media?: MediaRoutesOptions;
    /** Default: silent. */
    logger?: Logger;
    renderer?: MarkdownRenderer;
    /** Bounds and clock of the sync hub; default: the hub's own defaults. */
    sync?: SyncHubOptions;
    /** Failed-log-in limits; default: the production defaults. */
    loginThrottle?: LoginThrottleOptions;
    /** Replaces the wait of a log-in slowdown. */
    sleep?: (ms: number) => Promise<void>;
  } = {},
) {
  const db = new MemoryLevel<string, unknown>() as unknown as RootLevel;
  const store = storeOver(db);
  const tokens = new TokenSigner(TEST_SECRET, { lifetimeSeconds: 900, ...(options.now ? { now: options.now } : {}) });
  const service = new AccountService({
    accounts: store.accounts,
    sessions: store.sessions,
    hasher: new ScryptPasswordHasher({ N: 2 ** 10, r: 8, p: 1 }),
    tokens,
    throttle: new LoginThrottle({ ...options.loginThrottle, ...(options.now ? { now: options.now } : {}) }),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const events = new DomainEventBus();
  const published: PublishedEvent[] = [];
  events.subscribe((e) => void published.push(e));
  const hub = new SyncHub(options.sync);
  publishDomainEvents(events, hub);
  const { chat, profiles, blogs, comments, reactions } = createPlatformServices({
    repositories: store,
    renderer: options.renderer ?? escapingRenderer,
    profileSanitizer: options.sanitizer ?? escapingSanitizer,
    events,
    ghosts: people.ghostAccounts("mirage_", "test.example"),
    ...(options.now ? { now: options.now } : {}),
  });
  const app = await buildApi({
    blogs: { blogs, comments, reactions },
    chat,
    profiles,
    sync: hub,
    logger: options.logger ?? createLogger("silent"),
    ...(options.media ? { media: options.media } : {}),
    registry: new Registry(),
    trustProxy: false,
    corsOrigins: options.corsOrigins ?? [],
    health: {
      version: "test",
      homeserver: () => ({ reachable: true, ready: true, appservicePing: { ok: true }, lastCheckedAt: 0, problem: undefined }),
      pendingWork: async () => ({ inbox: 0, outbox: 0 }),
    },
    accounts: {
      service,
      matrixIdFor: (name) => `@mirage_${name}:test.example`,
      limits: { signUpPerHourPerIp: options.signUpPerHour ?? 1000, loginPerMinutePerIp: options.loginPerMinute ?? 1000 },
      ...(options.writes ? { writes: new WriteThrottle(options.writes, options.now) } : {}),
    },
  });
  const json = async (method: string, url: string, payload?: unknown, token?: string, headers: Record<string, string> = {}) => {
    const res = await app.inject({
      method: method as "GET",
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
      headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    return { status: res.statusCode, body: res.body === "" ? undefined : (res.json() as any), headers: res.headers };
  };
  /** Signs up and returns the access token. */
  const signUp = async (name: string) => (await json("POST", "/api/v1/accounts", { username: name, password: "correct horse battery" })).body.accessToken as string;
  return { app, store, service, tokens, json, signUp, events, published, chat, hub, profiles, db, blogs, comments, reactions };
}
