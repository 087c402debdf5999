import type { Logger } from "../../src/log/createLogger.js";
import { createLogger } from "../../src/log/createLogger.js";
import type { PlatformServices } from "../../src/platform/createPlatformServices.js";
import type { DomainEvent } from "../../src/platform/events/DomainEvent.js";
import type {
  HookHandler,
  PluginContext,
  PluginJournalEntry,
  PluginMatrixEvent,
  PluginRoom,
  PluginStore,
} from "../../src/plugins/pluginApi.js";

/** A plugin's store in memory, kept by the test across plugin restarts. */
export function memoryPluginStore(): PluginStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    async get<T>(key: string) {
      return structuredClone(data.get(key)) as T | undefined;
    },
    async put(key, value) {
      data.set(key, structuredClone(value));
    },
    async delete(key) {
      data.delete(key);
    },
    async list<T>(prefix: string, options: { limit?: number; after?: string } = {}) {
      const keys = [...data.keys()].filter((k) => k.startsWith(prefix) && (options.after === undefined || k > options.after)).sort();
      return keys.slice(0, options.limit ?? keys.length).map((key) => ({ key, value: structuredClone(data.get(key)) as T }));
    },
  };
}

/**
 * A plugin context without the host: hooks, Matrix events and scheduled jobs are delivered when the
 * test says so, on a clock the test moves; Matrix actions are recorded.
 */
export function fakePluginContext<Config>(options: {
  id: string;
  config: Config;
  platform: PlatformServices;
  store?: PluginStore;
  clock: { now: number };
  logger?: Logger;
}) {
  const hooks = new Map<string, HookHandler[]>();
  const observers: Array<(event: PluginMatrixEvent) => Promise<void> | void> = [];
  const handlers = new Map<string, (payload: unknown) => Promise<void> | void>();
  const jobs = new Map<string, { at: number; name: string; payload: unknown }>();
  const actions: Array<{ action: string; room: PluginRoom; args: unknown[] }> = [];
  const notices: Array<{ room: PluginRoom; name: string; payload: Record<string, unknown> }> = [];
  const abort = new AbortController();
  let jobSeq = 0;
  const record = (action: string) => async (room: PluginRoom, ...args: unknown[]) => {
    actions.push({ action, room, args });
  };
  const ctx: PluginContext<Config> = {
    manifest: { id: options.id, version: "0.0.0", description: "" },
    config: options.config,
    logger: options.logger ?? createLogger("silent"),
    store: options.store ?? memoryPluginStore(),
    matrix: {
      sendNotice: record("sendNotice"),
      sendMessage: record("sendMessage"),
      setState: record("setState"),
      removeState: record("removeState"),
      redact: record("redact"),
      getState: async () => undefined,
      powerFor: async () => ({ user: 100, needed: 50 }),
    },
    platform: options.platform,
    hooks: {
      on(type, handler) {
        hooks.set(type, [...(hooks.get(type) ?? []), handler]);
      },
    },
    onMatrixEvent(handler) {
      observers.push(handler);
    },
    onMatrixEphemeral() {},
    scheduler: {
      async runAt(at, name, payload) {
        const id = `job${++jobSeq}`;
        jobs.set(id, { at, name, payload });
        return id;
      },
      runEvery() {},
      handle(name, handler) {
        handlers.set(name, handler);
      },
      async cancel(id) {
        jobs.delete(id);
      },
    },
    notify: {
      async room(room, name, payload) {
        notices.push({ room, name, payload });
      },
    },
    signal: abort.signal,
    web: {
      async authenticate() {},
      personOf() {
        throw new Error("no authenticated person in the fake context");
      },
      errors: () => ({}),
    },
    publicUrl: "https://mirage.test.example",
    homeserverDomain: "test.example",
  };
  return {
    ctx,
    actions,
    notices,
    jobs,
    /** Hands a journal entry to the hooks registered for its type (and "*"). */
    async deliver(event: DomainEvent, at: number, position = 1): Promise<void> {
      const entry: PluginJournalEntry = { position, event, at };
      for (const handler of [...(hooks.get(event.type) ?? []), ...(hooks.get("*") ?? [])]) await handler(entry);
    },
    async observe(event: PluginMatrixEvent): Promise<void> {
      for (const observer of observers) await observer(event);
    },
    /** Moves the clock to `to` and runs every job due by then, earliest first. */
    async advance(to: number): Promise<void> {
      options.clock.now = to;
      for (;;) {
        const next = [...jobs].filter(([, job]) => job.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
        if (!next) return;
        jobs.delete(next[0]);
        await handlers.get(next[1].name)?.(next[1].payload);
      }
    },
    stop: () => abort.abort(),
  };
}
