import { accessTokenSecret } from "../api/accessTokenSecret.js";
import type { MirageConfig } from "../config/configSchema.js";
import type { Logger } from "../log/createLogger.js";
import { ghostAccounts } from "../matrix/registration.js";
import { AccountService } from "../platform/accounts/AccountService.js";
import { LoginThrottle, type LoginThrottleOptions } from "../platform/accounts/LoginThrottle.js";
import { ScryptPasswordHasher, type PasswordHasher } from "../platform/accounts/PasswordHasher.js";
import type { ProfileSanitizer } from "../platform/accounts/ProfileService.js";
import { TokenSigner } from "../platform/accounts/TokenSigner.js";
import { WriteThrottle } from "../platform/accounts/WriteThrottle.js";
import { createPlatformServices, type PlatformServices } from "../platform/createPlatformServices.js";
import { DomainEventBus } from "../platform/events/DomainEvent.js";
import type { MarkdownRenderer } from "../platform/ports/MarkdownRenderer.js";
import { createMarkdownRenderer, createProfileSanitizer, type RunRenderTask } from "../platform/render/createMarkdownRenderer.js";
import { externalImageKey } from "../platform/media/externalImageKey.js";
import { publishDomainEvents } from "../platform/sync/publishDomainEvents.js";
import { SyncHub } from "../platform/sync/SyncHub.js";
import type { SyncHubOptions } from "../platform/sync/SyncHubOptions.js";
import type { Store } from "../store/openStore.js";
import { RenderPool } from "../workers/RenderPool.js";
import { JournalConsumers } from "../platform/journal/JournalConsumers.js";
import { CachedMatrixProfiles } from "../platform/people/CachedMatrixProfiles.js";
import type { Part } from "./Part.js";

/** Replacements for tests and benchmarks; the app passes none. */
export interface PlatformOverrides {
  /** Default: scrypt at OWASP parameters; tests pass cheaper parameters. */
  passwordHasher?: PasswordHasher;
  /** Clock of the services, the account service and the throttles (the sync hub's is in `sync`). */
  now?: () => number;
  /** Runs render tasks instead of the worker pool (e.g. `renderInline`); no pool is started. */
  runRenderTask?: RunRenderTask;
  renderer?: MarkdownRenderer;
  profileSanitizer?: ProfileSanitizer;
  /** Instead of `api.sync`: the sync hub's bounds and clock. */
  sync?: SyncHubOptions;
  /** No per-account write budget at all (instead of `api.rateLimits.writes*`). */
  unlimitedWrites?: boolean;
  /** Failed-log-in limits instead of `api.rateLimits.loginFailures*`. */
  loginThrottle?: LoginThrottleOptions;
  /** Replaces the wait of a log-in slowdown. */
  sleep?: (ms: number) => Promise<void>;
}

export interface PlatformPart extends Part {
  services: PlatformServices;
  accounts: AccountService;
  tokens: TokenSigner;
  /** Per-account budget for writes; absent with `unlimitedWrites`. */
  writes: WriteThrottle | undefined;
  /** Per-account budget for editors' previews, the size of `writes` but apart from it; absent with `unlimitedWrites`. */
  previews: WriteThrottle | undefined;
  /** Domain events as they are committed. */
  events: DomainEventBus;
  /** Wakes long-polls with the domain events. */
  hub: SyncHub;
  /** The durable journal's consumers (kicked when an admin requeues a dead letter); parts built later add theirs. */
  journal: JournalConsumers;
  /** Markdown rendering (off the event loop for large documents), for the bridge's Matrix HTML. */
  renderer: MarkdownRenderer;
  /** The key signing external image links in web HTML (the media route checks it). */
  externalImageKey: string;
  /** Matrix users' profiles: the Matrix side attaches the fetcher and feeds member events. */
  matrixProfiles: CachedMatrixProfiles;
}

/** The domain: services over the store, accounts and tokens, throttles, Markdown rendering, the sync hub. */
export async function createPlatformPart(options: {
  config: MirageConfig;
  store: Store;
  logger: Logger;
  overrides?: PlatformOverrides;
}): Promise<PlatformPart> {
  const { config, store, logger, overrides: o = {} } = options;
  const clock = o.now ? { now: o.now } : {};
  const limits = config.api.rateLimits;

  const tokens = new TokenSigner(await accessTokenSecret(config.api.jwtSecret, store.kv), { lifetimeSeconds: config.api.accessTokenTtlSeconds, ...clock });
  const accounts = new AccountService({
    accounts: store.accounts,
    sessions: store.sessions,
    hasher: o.passwordHasher ?? new ScryptPasswordHasher(),
    tokens,
    refreshGraceMs: config.api.refreshGraceSeconds * 1000,
    throttle: new LoginThrottle({
      ...(o.loginThrottle ?? { perSource: limits.loginFailuresPerSource, perAccount: limits.loginFailuresPerAccount }),
      ...clock,
    }),
    ...(o.sleep ? { sleep: o.sleep } : {}),
    ...clock,
  });
  const writeBudget = { perMinute: limits.writesPerMinutePerAccount, burst: limits.writeBurstPerAccount, charsPerWrite: limits.writeCostChars };
  const writes = o.unlimitedWrites ? undefined : new WriteThrottle(writeBudget, o.now);
  // Editors preview as people type: a budget of the same size, apart, so previews never block a save.
  const previews = o.unlimitedWrites ? undefined : new WriteThrottle(writeBudget, o.now);

  // Consumers (the bridge relay) are added by their parts before start.
  const retry = config.appservice.eventRetry;
  const journal = new JournalConsumers({
    journal: store.journal,
    handlers: [],
    budget: { maxAttempts: retry.maxAttempts, maxAgeMs: retry.maxAgeSeconds * 1000, initialDelayMs: retry.initialDelayMs, maxDelayMs: retry.maxDelaySeconds * 1000 },
    logger,
  });
  const events = new DomainEventBus();
  const hub = new SyncHub(o.sync ?? config.api.sync);
  publishDomainEvents(events, hub);

  // The pool's threads start with it: built only when something renders through it.
  const pooled = !o.runRenderTask && !(o.renderer && o.profileSanitizer);
  const imageKey = await externalImageKey(store.kv);
  const renderPool = pooled
    ? new RenderPool({ ...config.render, publicUrl: config.api.publicUrl, externalImageKey: imageKey, logger: logger.child({ component: "render" }) })
    : undefined;
  const run: RunRenderTask = o.runRenderTask ?? renderPool?.run ?? unreachableRender;
  const renderer = o.renderer ?? createMarkdownRenderer(run);
  const matrixProfiles = new CachedMatrixProfiles({ records: store.matrixProfiles, logger, ...clock });
  const services = createPlatformServices({
    matrixProfiles,
    repositories: store,
    renderer,
    profileSanitizer: o.profileSanitizer ?? createProfileSanitizer(run),
    events,
    ghosts: ghostAccounts(config.homeserver.domain),
    ...clock,
  });

  return {
    services,
    accounts,
    tokens,
    writes,
    previews,
    events,
    hub,
    journal,
    renderer,
    externalImageKey: imageKey,
    matrixProfiles,
    async start() {
      journal.start();
    },
    async stop() {
      await journal.stop();
      // Answers waiting long-polls.
      hub.close();
      await renderPool?.close();
    },
  };
}

const unreachableRender: RunRenderTask = async () => {
  throw new Error("no render pool: both renderer and profileSanitizer were overridden");
};
