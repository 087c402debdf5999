import type { Static, TSchema } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../log/createLogger.js";
import type { MembershipRecord, Room } from "../platform/chat/Room.js";
import type { BlogView } from "../platform/blogs/Blog.js";
import type { Command } from "../platform/commands/Command.js";
import type { PlatformServices } from "../platform/createPlatformServices.js";
import type { DomainEvent } from "../platform/events/DomainEvent.js";
import type { Person } from "../platform/people/Person.js";

/**
 * The public API of Mirage plugins: what a plugin module exports (`definePlugin(...)`) and what
 * the host gives it. Built-in plugins (`plugins/`) use nothing beyond this file, so a third-party
 * plugin can do whatever they do.
 */

export interface PluginManifest {
  /** Stable: names its config entry, store, journal cursor, routes (`/api/v1/plugins/<id>/`). 1–32 of a–z, 0–9, "-". */
  id: string;
  /** Semver of the plugin. */
  version: string;
  description: string;
}

/** What `start` hands back; everything in it is owned by the host and removed when the plugin stops. */
export interface PluginInstance {
  /** Bot commands, registered through the core registry (permission checks, help). */
  commands?: Command[];
  /**
   * Fastify routes, mounted in their own encapsulated context under `/api/v1/plugins/<id>/`
   * (every route with a schema: they appear in the OpenAPI document).
   */
  routes?: FastifyPluginAsync;
  /**
   * Routes about one platform room, mounted under `/api/v1/rooms/:roomId/<path>` (e.g. a room's
   * call or expiry policy). The host authenticates the caller and checks they are a joined member
   * before the handler runs; `request.mirage` carries the person and the room.
   */
  roomRoutes?: FastifyPluginAsync;
  /**
   * Routes about one blog, mounted under `/api/v1/blogs/:owner/<path>` (e.g. its comment timer).
   * The host authenticates the caller and checks they own the blog (404 when there is no such
   * blog, 403 when it is someone else's) before the handler runs; `request.mirageBlog` carries
   * the person and the blog (read it with {@link blogRequest}).
   */
  blogRoutes?: FastifyPluginAsync;
  /** Called once when the plugin stops (after its hooks, jobs and routes are gone); bounded by the host. */
  stop?(): Promise<void> | void;
}

/** A plugin's private key-value store: its own sublevel, kept across restarts, removed only on explicit purge. */
export interface PluginStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  /** Entries whose key starts with `prefix`, in key order, at most `limit`. */
  list<T = unknown>(prefix: string, options?: { limit?: number; after?: string }): Promise<Array<{ key: string; value: T }>>;
}

/** A room an action addresses: a platform room (its portal), a blog's room, or a Matrix room ID. */
export type PluginRoom = { roomId: string } | { matrixRoomId: string } | { blog: string };

/** Who acts in Matrix: the bot (default) or a Mirage account's ghost. */
export interface ActAs {
  as?: { account: string };
}

/**
 * Narrow Matrix actions, queued through the outbox (durable, ordered per room, retried); each
 * resolves once queued, not when the homeserver answered.
 */
export interface PluginMatrixActions {
  sendNotice(room: PluginRoom, text: string, options?: ActAs & { html?: string }): Promise<void>;
  sendMessage(room: PluginRoom, content: Record<string, unknown>, options?: ActAs & { eventType?: string }): Promise<void>;
  setState(room: PluginRoom, eventType: string, stateKey: string, content: Record<string, unknown>, options?: ActAs): Promise<void>;
  /** Sets empty content (`{}`), the Matrix way of removing a state event. */
  removeState(room: PluginRoom, eventType: string, stateKey: string, options?: ActAs): Promise<void>;
  redact(room: PluginRoom, eventId: string, options?: ActAs & { reason?: string }): Promise<void>;
  /** The current content of a state event in a room, read by the bot; undefined when unset. */
  getState(room: PluginRoom, eventType: string, stateKey: string): Promise<Record<string, unknown> | undefined>;
  /** The power level of `userId` and the level needed to send state `eventType`, as the room's power levels say. */
  powerFor(room: PluginRoom, userId: string, stateEventType: string): Promise<{ user: number; needed: number }>;
}

/** A Matrix room event as plugins observe it (after the bridge handled it). */
export interface PluginMatrixEvent {
  type: string;
  roomId: string;
  sender: string;
  eventId: string;
  stateKey?: string;
  content: Record<string, unknown>;
  originServerTs: number;
  /** A redaction's target. */
  redacts?: string;
  /** Sent by Mirage itself (the bot or a ghost): an echo of something Mirage did. */
  fromMirage?: boolean;
}

/** An ephemeral Matrix event (a read receipt `m.receipt`, typing `m.typing`) as plugins observe it. */
export interface PluginEphemeralEvent {
  type: string;
  roomId: string;
  content: Record<string, unknown>;
}

/** A journal entry as a hook receives it. */
export interface PluginJournalEntry {
  position: number;
  event: DomainEvent;
  at: number;
  /** Present when the change was imported from Matrix. */
  origin?: { roomId: string; eventId: string };
}

export type HookHandler = (entry: PluginJournalEntry) => Promise<void> | void;

/**
 * Durable hooks on the domain journal, read from the plugin's own persisted cursor: each entry
 * once per plugin, in order; a handler that throws is retried with a budget, then dead-lettered —
 * it never blocks other plugins or the bridge.
 */
export interface PluginHooks {
  on(type: DomainEvent["type"] | "*", handler: HookHandler): void;
}

export interface PluginScheduler {
  /**
   * Runs `job` at `at` (ms since epoch; now if past). With `persist`, the job (its name and JSON
   * `payload`) is stored and runs after a restart too — overdue jobs run at start; the handler is
   * the one registered with `handle(name, …)`. Returns the job's id, for `cancel`.
   */
  runAt(at: number, name: string, payload?: unknown, options?: { persist?: boolean }): Promise<string>;
  /** Runs `task` every `intervalMs` (not persisted: register it again in `start`). */
  runEvery(intervalMs: number, task: () => Promise<void> | void): void;
  /** The handler of jobs named `name`. Register in `start`, before jobs are due. */
  handle(name: string, handler: (payload: unknown) => Promise<void> | void): void;
  cancel(jobId: string): Promise<void>;
}

/**
 * Live notices to the web clients of a room's readers, delivered by `GET /api/v1/sync` as
 * `plugin.event` (`{plugin, name, roomId, payload}`). Not stored: a client that was away reads
 * the state through the plugin's routes. Rooms without a platform side (Matrix-only, blogs) have
 * no web readers and are skipped.
 */
export interface PluginNotify {
  /** `name` is `<noun>.<verb>` (lowercase, ≤ 64 characters); `payload` is JSON of at most 4 KiB, shown to every reader. */
  room(room: PluginRoom, name: string, payload: Record<string, unknown>): Promise<void>;
}

export interface PluginContext<Config> {
  manifest: PluginManifest;
  /** Validated against the plugin's `configSchema` (defaults applied). */
  config: Config;
  /** Child logger with `plugin: <id>`; never log message content or secrets. */
  logger: Logger;
  store: PluginStore;
  matrix: PluginMatrixActions;
  /** Platform services, to read (and act as people through their own permission checks). */
  platform: PlatformServices;
  hooks: PluginHooks;
  /** Observes Matrix room events (non-exclusively; a throwing observer is logged and skipped). */
  onMatrixEvent(handler: (event: PluginMatrixEvent) => Promise<void> | void): void;
  /**
   * Observes ephemeral events the homeserver pushes (read receipts, typing), best effort: not
   * durable, possibly twice after a crash; same bounds as `onMatrixEvent`.
   */
  onMatrixEphemeral(handler: (event: PluginEphemeralEvent) => Promise<void> | void): void;
  scheduler: PluginScheduler;
  notify: PluginNotify;
  /** Aborted when the plugin stops. */
  signal: AbortSignal;
  /** Authentication for the plugin's own `routes` (room routes are authenticated by the host). */
  web: PluginWeb;
  /** Mirage's public base URL (no trailing slash) and the homeserver's domain. */
  publicUrl: string;
  homeserverDomain: string;
}

/** What a room route's handler knows: set by the host after it authenticated the caller and found them joined. */
export interface PluginRoomRequest {
  /** The signed-in caller. */
  person: Person;
  room: Room;
  membership: MembershipRecord;
}

/** What a blog route's handler knows: set by the host after it authenticated the caller and found them the blog's owner. */
export interface PluginBlogRequest {
  /** The signed-in caller, the blog's owner. */
  person: Person;
  blog: BlogView;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the plugin host on `roomRoutes` before the handler runs; read it with {@link roomRequest}. */
    mirage: PluginRoomRequest | null;
    /** Set by the plugin host on `blogRoutes` before the handler runs; read it with {@link blogRequest}. */
    mirageBlog: PluginBlogRequest | null;
  }
}

/** The caller and room of a `roomRoutes` request; throws when called outside a room route. */
export function roomRequest(request: FastifyRequest): PluginRoomRequest {
  if (!request.mirage) throw new Error("roomRequest() is only available in a plugin's roomRoutes");
  return request.mirage;
}

/** The caller and blog of a `blogRoutes` request; throws when called outside a blog route. */
export function blogRequest(request: FastifyRequest): PluginBlogRequest {
  if (!request.mirageBlog) throw new Error("blogRequest() is only available in a plugin's blogRoutes");
  return request.mirageBlog;
}

/** Authentication for a plugin's own routes. */
export interface PluginWeb {
  /** A `preValidation` hook requiring `Authorization: Bearer <accessToken>` (401 otherwise). */
  authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** The signed-in caller of a route that ran `authenticate`; throws otherwise. */
  personOf(request: FastifyRequest): Person;
  /**
   * Response schemas of Mirage's error body (`{"error": {"code", "message"}}`) for these statuses,
   * to spread into a route's `schema.response` (e.g. `...ctx.web.errors(404)`). A route with
   * `preValidation: ctx.web.authenticate` gets 401 and its bearer security documented by the host.
   */
  errors(...statuses: number[]): Record<number, unknown>;
}

export interface PluginDefinition<S extends TSchema = TSchema> {
  manifest: PluginManifest;
  /** TypeBox schema of the plugin's config (`plugins[].config`), with defaults. */
  configSchema: S;
  start(ctx: PluginContext<Static<S>>): Promise<PluginInstance> | PluginInstance;
}

/** What a plugin module exports as default: its definition, typed. */
export function definePlugin<S extends TSchema>(definition: PluginDefinition<S>): PluginDefinition<S> {
  return definition;
}
