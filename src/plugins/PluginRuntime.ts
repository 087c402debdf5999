import type { FastifyPluginAsync } from "fastify";
import type { Logger } from "../log/createLogger.js";
import type { Command } from "../platform/commands/Command.js";
import type { DomainEvent } from "../platform/events/DomainEvent.js";
import type { JournalHandler } from "../platform/journal/JournalConsumer.js";
import type { JournalEntry } from "../platform/ports/Journal.js";
import { HostScheduler } from "./HostScheduler.js";
import { ObserverQueue } from "./ObserverQueue.js";
import type {
  HookHandler,
  PluginContext,
  PluginDefinition,
  PluginEphemeralEvent,
  PluginInstance,
  PluginMatrixActions,
  PluginMatrixEvent,
  PluginRoom,
  PluginWeb,
} from "./pluginApi.js";
import type { PluginStorage } from "./PluginStorage.js";
import type { PlatformServices } from "../platform/createPlatformServices.js";

/** What every plugin's context shares. */
export interface RuntimeShared {
  matrix: PluginMatrixActions;
  platform: PlatformServices;
  web: PluginWeb;
  publicUrl: string;
  homeserverDomain: string;
  /** Publishes a plugin's notice to the room's web readers; absent: notices go nowhere (no web side). */
  notifyRoom?(room: PluginRoom, notice: PluginNotice): Promise<void>;
  now?: () => number;
}

/** A plugin's live notice, as sync carries it. */
export interface PluginNotice {
  plugin: string;
  name: string;
  payload: Record<string, unknown>;
}

const NOTICE_NAME = /^[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)+$/;
const MAX_NOTICE_BYTES = 4096;

/** A started plugin's routes, for the API built after the plugins. */
export interface PluginRoutes {
  id: string;
  routes?: FastifyPluginAsync;
  roomRoutes?: FastifyPluginAsync;
  blogRoutes?: FastifyPluginAsync;
}

/**
 * One plugin while it runs: its context and everything it registered through it (hooks,
 * observers, scheduler) or handed back from `start` (commands, routes). The host stops it.
 */
export class PluginRuntime {
  readonly scheduler: HostScheduler;
  readonly observers: ObserverQueue<PluginMatrixEvent>;
  readonly ephemeralObservers: ObserverQueue<PluginEphemeralEvent>;
  readonly controller = new AbortController();
  readonly log: Logger;
  private readonly hooks: Array<{ type: DomainEvent["type"] | "*"; handler: HookHandler }> = [];
  private readonly unregister: Array<() => void> = [];
  instance: PluginInstance | undefined;

  constructor(
    readonly definition: PluginDefinition,
    readonly config: unknown,
    readonly storage: PluginStorage,
    private readonly shared: RuntimeShared,
    logger: Logger,
  ) {
    this.log = logger.child({ plugin: definition.manifest.id });
    this.scheduler = new HostScheduler(storage.jobs, this.log, shared.now);
    this.observers = new ObserverQueue(this.log);
    this.ephemeralObservers = new ObserverQueue(this.log);
  }

  get id(): string {
    return this.definition.manifest.id;
  }

  /** The journal consumer name of this plugin's hooks. */
  get consumerName(): string {
    return `plugin-${this.id}`;
  }

  context(): PluginContext<unknown> {
    const { shared } = this;
    return {
      manifest: this.definition.manifest,
      config: this.config,
      logger: this.log,
      store: this.storage.data,
      matrix: shared.matrix,
      platform: shared.platform,
      hooks: {
        on: (type, handler) => {
          this.assertOpen();
          this.hooks.push({ type, handler });
        },
      },
      onMatrixEvent: (handler) => this.observers.add(handler),
      onMatrixEphemeral: (handler) => this.ephemeralObservers.add(handler),
      scheduler: this.scheduler,
      notify: {
        room: async (room, name, payload) => {
          this.assertOpen();
          if (name.length > 64 || !NOTICE_NAME.test(name)) throw new TypeError(`notice name ${JSON.stringify(name)} is not <noun>.<verb>`);
          if (Buffer.byteLength(JSON.stringify(payload)) > MAX_NOTICE_BYTES) throw new TypeError(`notice payload over ${MAX_NOTICE_BYTES} bytes`);
          await shared.notifyRoom?.(room, { plugin: this.id, name, payload });
        },
      },
      signal: this.controller.signal,
      web: shared.web,
      publicUrl: shared.publicUrl,
      homeserverDomain: shared.homeserverDomain,
    };
  }

  /** The hooks as one journal consumer: each entry goes to every matching hook in registration order. */
  journalHandler(): JournalHandler {
    return {
      name: this.consumerName,
      handle: async (entry: JournalEntry) => {
        if (this.controller.signal.aborted) throw new Error("the plugin is stopped");
        const view = { position: entry.position, event: entry.event, at: entry.at, ...(entry.origin ? { origin: { roomId: entry.origin.roomId, eventId: entry.origin.eventId } } : {}) };
        for (const hook of this.hooks) if (hook.type === "*" || hook.type === entry.event.type) await hook.handler(view);
      },
    };
  }

  get commands(): Command[] {
    return this.instance?.commands ?? [];
  }

  routes(): PluginRoutes {
    const instance = this.instance;
    return {
      id: this.id,
      ...(instance?.routes ? { routes: instance.routes } : {}),
      ...(instance?.roomRoutes ? { roomRoutes: instance.roomRoutes } : {}),
      ...(instance?.blogRoutes ? { blogRoutes: instance.blogRoutes } : {}),
    };
  }

  /** Keeps an undo (a command's unregistration) for `stop`. */
  own(undo: () => void): void {
    this.unregister.push(undo);
  }

  /** Aborts the signal and removes what the host registered for the plugin (not its own `stop`). */
  async release(): Promise<void> {
    this.controller.abort(new Error("plugin stopped"));
    for (const undo of this.unregister.splice(0)) undo();
    await Promise.all([this.scheduler.stop(), this.observers.stop(), this.ephemeralObservers.stop()]);
  }

  private assertOpen(): void {
    if (this.controller.signal.aborted) throw new Error("the plugin is stopped");
  }
}
