import type { MirageConfig } from "../config/configSchema.js";
import type { Logger } from "../log/createLogger.js";
import type { Command } from "../platform/commands/Command.js";
import type { JournalConsumers } from "../platform/journal/JournalConsumers.js";
import type { PluginDefinition, PluginEphemeralEvent, PluginInstance, PluginMatrixEvent } from "./pluginApi.js";
import { PluginRuntime, type PluginRoutes, type RuntimeShared } from "./PluginRuntime.js";
import type { PluginStorages } from "./PluginStorage.js";
import { preparePlugins, type PreparedPlugin } from "./preparePlugins.js";

export interface PluginHostDeps extends RuntimeShared {
  entries: MirageConfig["plugins"];
  storages: PluginStorages;
  /** The platform's journal consumers; plugins' hooks join them before they start. */
  journal: JournalConsumers;
  /** Registers a bot command; returns its removal. */
  registerCommand(command: Command): () => void;
  /** Subscribes to Matrix room events after the bridge handled them; returns the removal. */
  observeMatrixEvents(listener: (event: PluginMatrixEvent) => void): () => void;
  /** Subscribes to ephemeral Matrix events (receipts, typing); returns the removal. Absent: none are observed. */
  observeEphemeral?(listener: (event: PluginEphemeralEvent) => void): () => void;
  logger: Logger;
  /** Where `MIRAGE_PLUGINS_<ID>_<KEY>` variables are read (default: the process environment). */
  env?: NodeJS.ProcessEnv;
  /** Bound on a plugin's `start` (default 10 s) and on each plugin's stop (default 5 s). */
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
}

/** A plugin's state as `/health` reports it. */
export type PluginStatus = "running" | `disabled: ${string}`;

/**
 * Loads, starts and stops the configured plugins. `load()` runs while Mirage is being built
 * (before any part starts): it imports every enabled plugin, validates all their configs (one
 * `ConfigError` listing every problem), then calls each `start(ctx)` with a timeout and
 * registers what it handed back — commands, hooks (one journal consumer per plugin, joined
 * before the journal starts), routes (read by the API, built next). A plugin whose `start`
 * throws or times out is disabled (one error line, a `/health` entry); the others run.
 * `start()` starts the schedulers; `stop()` removes everything, each plugin bounded in time.
 */
export class PluginHost {
  private readonly running: PluginRuntime[] = [];
  private readonly statuses = new Map<string, PluginStatus>();
  private unobserve: (() => void) | undefined;
  private unobserveEphemeral: (() => void) | undefined;
  private readonly log: Logger;

  constructor(private readonly deps: PluginHostDeps) {
    this.log = deps.logger.child({ component: "plugins" });
  }

  async load(): Promise<void> {
    await this.startAll(await preparePlugins(this.deps.entries, this.deps.env ?? process.env));
  }

  /** Starts already prepared plugins (what `load` does once they are imported and validated). */
  async startAll(prepared: readonly PreparedPlugin[]): Promise<void> {
    for (const { definition, config } of prepared) await this.startPlugin(definition, config);
    this.unobserve ??= this.deps.observeMatrixEvents((event) => {
      for (const plugin of this.running) plugin.observers.push(event);
    });
    this.unobserveEphemeral ??= this.deps.observeEphemeral?.((event) => {
      for (const plugin of this.running) plugin.ephemeralObservers.push(event);
    });
  }

  /** Each started plugin's routes (the API mounts them under their own prefixes). */
  routes(): PluginRoutes[] {
    return this.running.map((plugin) => plugin.routes()).filter((routes) => routes.routes || routes.roomRoutes || routes.blogRoutes);
  }

  /** Every enabled plugin's state, by id. */
  status(): Record<string, PluginStatus> {
    return Object.fromEntries(this.statuses);
  }

  /** Runs overdue jobs and arms each plugin's timers. */
  start(): void {
    for (const plugin of this.running) plugin.scheduler.start();
  }

  /** Stops every plugin (last started first): hooks, observers, jobs, timers, commands, then its own `stop`. */
  async stop(): Promise<void> {
    this.unobserve?.();
    this.unobserveEphemeral?.();
    this.unobserve = this.unobserveEphemeral = undefined;
    for (const plugin of this.running.splice(0).reverse()) {
      await this.bounded(plugin, "stop", async () => {
        await this.deps.journal.consumers.find((consumer) => consumer.name === plugin.consumerName)?.stop();
        await plugin.release();
        await plugin.instance?.stop?.();
      });
      this.statuses.set(plugin.id, "disabled: stopped");
    }
  }

  private async startPlugin(definition: PluginDefinition, config: unknown): Promise<void> {
    const { deps } = this;
    const id = definition.manifest.id;
    const plugin = new PluginRuntime(definition, config, deps.storages.open(id), deps, deps.logger);
    let started: Promise<PluginInstance> | undefined;
    try {
      started = Promise.resolve(definition.start(plugin.context()));
      plugin.instance = await withTimeout(started, deps.startTimeoutMs ?? 10_000, "start");
      for (const command of plugin.commands) plugin.own(deps.registerCommand(command));
      deps.journal.add(plugin.journalHandler());
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.log.error({ plugin: id, reason }, `plugin ${id} disabled: ${reason}`);
      this.statuses.set(id, `disabled: ${reason}`);
      await plugin.release().catch(() => undefined);
      // What it started is stopped too, even when its start finishes after the timeout.
      void started?.then((instance) => instance?.stop?.()).catch(() => undefined);
      return;
    }
    this.running.push(plugin);
    this.statuses.set(id, "running");
    this.log.info({ plugin: id, version: definition.manifest.version }, "plugin started");
  }

  private async bounded(plugin: PluginRuntime, phase: string, work: () => Promise<void>): Promise<void> {
    try {
      await withTimeout(work(), this.deps.stopTimeoutMs ?? 5_000, phase);
    } catch (error) {
      this.log.error({ plugin: plugin.id, err: error }, "plugin did not stop cleanly");
    }
  }
}

/** `promise`, or a rejection naming `phase` after `ms`; the timer never outlives the race. */
async function withTimeout<T>(promise: Promise<T>, ms: number, phase: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${phase} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
