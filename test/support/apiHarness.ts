import { MemoryLevel } from "memory-level";
import { Registry } from "prom-client";
import type { MediaRoutesOptions } from "../../src/api/routes/mediaRoutes.js";
import { parseConfig } from "../../src/config/loadConfig.js";
import { createLogger, type Logger } from "../../src/log/createLogger.js";
import { createApiPart } from "../../src/parts/createApiPart.js";
import { createPlatformPart } from "../../src/parts/createPlatformPart.js";
import type { LoginThrottleOptions } from "../../src/platform/accounts/LoginThrottle.js";
import { ScryptPasswordHasher } from "../../src/platform/accounts/PasswordHasher.js";
import type { PublishedEvent } from "../../src/platform/events/DomainEvent.js";
import type { MarkdownRenderer } from "../../src/platform/ports/MarkdownRenderer.js";
import type { ProfileSanitizer } from "../../src/platform/accounts/ProfileService.js";
import type { SyncHubOptions } from "../../src/platform/sync/SyncHubOptions.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver, type Store } from "../../src/store/openStore.js";
import type { PlatformPart } from "../../src/parts/createPlatformPart.js";
import { PluginHost } from "../../src/plugins/PluginHost.js";
import { pluginMatrixActions } from "../../src/plugins/pluginMatrixActions.js";
import type { PreparedPlugin } from "../../src/plugins/preparePlugins.js";
import { pluginAuthenticate } from "../../src/api/pluginRoutes.js";
import { errorResponses } from "../../src/api/schemas/common.js";
import { people } from "../../src/platform/people/people.js";
import type { ChatService } from "../../src/platform/chat/ChatService.js";
import type { EncryptedMediaReader } from "../../src/platform/ports/EncryptedMedia.js";

/** Test stand-in for the Markdown renderer: escapes everything (the real one is tested on its own). */
export const escapingRenderer: MarkdownRenderer = {
  toWebHtml: async (md) => `<p>${md.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</p>`,
  toMatrixHtml: async (md) => `<p>${md.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</p>`,
};

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** Test stand-in for the profile sanitizers; the real ones are tested with the XSS corpus. */
export const escapingSanitizer: ProfileSanitizer = { bioHtml: async (md) => `<p>${escape(md)}</p>`, html: async (s) => escape(s), css: async () => "" };

const TEST_SECRET_TEXT = "test-secret-test-secret-test-secret!!";
/** The key access tokens are signed with (`api.jwtSecret`). */
export const TEST_SECRET = new TextEncoder().encode(TEST_SECRET_TEXT);

/** The HTTP side over an in-memory store, with cheap password hashing (same code, smaller N). */
export async function apiHarness(
  options: {
    signUpPerHour?: number;
    loginPerMinute?: number;
    /** Per-account write budget; absent: unlimited. */
    writes?: { perMinute: number; burst: number; charsPerWrite?: number };
    corsOrigins?: string[];
    /** `api.trustProxy`: take the client's scheme, host and address from X-Forwarded-* headers. */
    trustProxy?: boolean;
    now?: () => number;
    sanitizer?: ProfileSanitizer;
    /** Serves `/media/…` from this source. */
    media?: MediaRoutesOptions;
    /** Serves `/api/v1/media/encrypted/…` through the reader this builds over the harness's store and chat. */
    encryptedMedia?: (deps: { store: Store; chat: ChatService }) => EncryptedMediaReader;
    /** Default: silent. */
    logger?: Logger;
    renderer?: MarkdownRenderer;
    /** Bounds and clock of the sync hub; default: the hub's own defaults. */
    sync?: SyncHubOptions;
    /** Failed-log-in limits; default: the production defaults. */
    loginThrottle?: LoginThrottleOptions;
    /** Replaces the wait of a log-in slowdown. */
    sleep?: (ms: number) => Promise<void>;
    /** Plugins started (with a stand-in Matrix side) and their routes mounted. */
    plugins?: PreparedPlugin[];
  } = {},
) {
  const db = new MemoryLevel<string, unknown>() as unknown as RootLevel;
  const store = storeOver(db);
  const logger = options.logger ?? createLogger("silent");
  const config = parseConfig({
    homeserver: { domain: "test.example" },
    api: {
      jwtSecret: TEST_SECRET_TEXT,
      ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
      cors: { origins: options.corsOrigins ?? [] },
      rateLimits: {
        signUpPerHourPerIp: options.signUpPerHour ?? 1000,
        loginPerMinutePerIp: options.loginPerMinute ?? 1000,
        ...(options.writes
          ? {
              writesPerMinutePerAccount: options.writes.perMinute,
              writeBurstPerAccount: options.writes.burst,
              // Absent: a write costs one whatever its size.
              writeCostChars: options.writes.charsPerWrite ?? Number.MAX_SAFE_INTEGER,
            }
          : {}),
      },
    },
  });
  const platform = await createPlatformPart({
    config,
    store,
    logger,
    overrides: {
      passwordHasher: new ScryptPasswordHasher({ N: 2 ** 10, r: 8, p: 1 }),
      renderer: options.renderer ?? escapingRenderer,
      profileSanitizer: options.sanitizer ?? escapingSanitizer,
      sync: options.sync ?? {},
      unlimitedWrites: !options.writes,
      ...(options.loginThrottle ? { loginThrottle: options.loginThrottle } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.now ? { now: options.now } : {}),
    },
  });
  const plugins = options.plugins ? await pluginHost(options.plugins, store, platform, logger) : undefined;
  const published: PublishedEvent[] = [];
  platform.events.subscribe((e) => void published.push(e));
  const { api: app } = await createApiPart({
    config,
    logger,
    registry: new Registry(),
    platform,
    health: {
      version: "test",
      homeserver: () => ({ reachable: true, ready: true, appservicePing: { ok: true }, lastCheckedAt: 0, problem: undefined }),
      pendingWork: async () => ({ inbox: 0, outbox: 0 }),
    },
    ...(options.media ? { media: options.media } : {}),
    ...(plugins ? { plugins: plugins.routes() } : {}),
    ...(options.encryptedMedia ? { encryptedMedia: options.encryptedMedia({ store, chat: platform.services.chat }) } : {}),
  });
  const { events, hub, accounts: service, tokens } = platform;
  const { chat, profiles, blogs, comments, reactions } = platform.services;
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
  return { app, store, service, tokens, json, signUp, events, published, chat, hub, profiles, db, blogs, comments, reactions, matrixProfiles: platform.matrixProfiles };
}

/** A plugin host over the harness's platform, with no Matrix side (actions are queued, state reads find nothing). */
async function pluginHost(prepared: PreparedPlugin[], store: Store, platform: PlatformPart, logger: Logger): Promise<PluginHost> {
  const host = new PluginHost({
    entries: [],
    storages: store.plugins,
    journal: platform.journal,
    registerCommand: () => () => undefined,
    observeMatrixEvents: () => () => undefined,
    matrix: pluginMatrixActions({
      outbox: store.outbox,
      mapping: store.idMapping,
      reader: { getState: async () => undefined, creators: async () => new Set<string>() },
      botUserId: "@bot:test.example",
      ghostUserId: (account) => `@mirage_${account}:test.example`,
      kickOutbox: () => undefined,
    }),
    platform: platform.services,
    web: {
      authenticate: pluginAuthenticate(platform.accounts),
      personOf: (request) => people.account(request.auth!.account.name),
      errors: (...statuses) => errorResponses(...statuses),
    },
    publicUrl: "http://localhost:8080",
    homeserverDomain: "test.example",
    logger,
  });
  await host.startAll(prepared);
  return host;
}
