import { MemoryLevel } from "memory-level";
import { Registry } from "prom-client";
import { parseConfig } from "../src/config/loadConfig.js";
import { createLogger } from "../src/log/createLogger.js";
import { createApiPart } from "../src/parts/createApiPart.js";
import { createPlatformPart, type PlatformOverrides } from "../src/parts/createPlatformPart.js";
import type { RootLevel } from "../src/store/LevelDatabase.js";
import { storeOver } from "../src/store/openStore.js";

/**
 * The platform and API parts wired as the app wires them, over a memory store, with no limit on
 * sign-ups and log-ins per IP. `config` is merged over that (one level deep per section).
 */
export async function benchApp(options: { config?: Record<string, Record<string, unknown>>; overrides?: PlatformOverrides } = {}) {
  const raw: Record<string, Record<string, unknown>> = {
    homeserver: { domain: "bench.example" },
    api: {
      jwtSecret: "bench-secret-bench-secret-bench-secret",
      rateLimits: { signUpPerHourPerIp: 1e9, loginPerMinutePerIp: 1e9, loginFailuresPerAccount: 1000 },
    },
  };
  for (const [section, values] of Object.entries(options.config ?? {})) raw[section] = { ...raw[section], ...values };
  const config = parseConfig(raw);
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const logger = createLogger("silent");
  const platform = await createPlatformPart({ config, store, logger, ...(options.overrides ? { overrides: options.overrides } : {}) });
  const { api: app } = await createApiPart({
    config,
    logger,
    registry: new Registry(),
    platform,
    health: {
      version: "bench",
      homeserver: () => ({ reachable: true, ready: true, appservicePing: { ok: true }, lastCheckedAt: 0, problem: undefined }),
      pendingWork: async () => ({ inbox: 0, outbox: 0 }),
    },
  });
  return {
    app,
    store,
    platform,
    async close() {
      await app.close();
      await platform.stop();
      await store.close();
    },
  };
}
