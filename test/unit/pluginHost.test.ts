import { Type } from "@sinclair/typebox";
import { MemoryLevel } from "memory-level";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { CommandRegistry } from "../../src/platform/commands/CommandRegistry.js";
import { JournalConsumers } from "../../src/platform/journal/JournalConsumers.js";
import { definePlugin, type PluginDefinition, type PluginEphemeralEvent, type PluginMatrixEvent } from "../../src/plugins/pluginApi.js";
import { PluginHost, type PluginHostDeps } from "../../src/plugins/PluginHost.js";
import { pluginMatrixActions } from "../../src/plugins/pluginMatrixActions.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver, type Store } from "../../src/store/openStore.js";
import { platformOverStore } from "../support/platformOverStore.js";

const logger = createLogger((process.env.DBG as never) ?? "silent");
const budget = { maxAttempts: 2, maxAgeMs: 3_600_000, initialDelayMs: 5, maxDelayMs: 10 };
// Waits for conditions, never for time; the bound only guards against hangs.
const until = (check: () => void | Promise<void>) => vi.waitFor(check, { timeout: 60_000, interval: 5 });

function world(store: Store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel)) {
  const platform = platformOverStore(store);
  const journal = new JournalConsumers({ journal: store.journal, handlers: [], budget, logger });
  const commands = new CommandRegistry();
  const observers = new Set<(event: PluginMatrixEvent) => void>();
  const ephemeralObservers = new Set<(event: PluginEphemeralEvent) => void>();
  let clock = 1_000_000;
  const deps: PluginHostDeps = {
    entries: [],
    storages: store.plugins,
    journal,
    registerCommand: (command) => commands.register(command),
    observeMatrixEvents: (listener) => {
      observers.add(listener);
      return () => observers.delete(listener);
    },
    observeEphemeral: (listener) => {
      ephemeralObservers.add(listener);
      return () => ephemeralObservers.delete(listener);
    },
    matrix: pluginMatrixActions({
      outbox: store.outbox,
      mapping: store.idMapping,
      reader: { getState: async () => undefined },
      botUserId: "@bot:test.example",
      ghostUserId: (account) => `@mirage_${account}:test.example`,
      kickOutbox: () => undefined,
    }),
    platform,
    web: { authenticate: async () => undefined, personOf: () => ({ kind: "account", name: "x" }) as never, errors: () => ({}) },
    publicUrl: "https://mirage.test",
    homeserverDomain: "test.example",
    logger,
    now: () => clock,
    // A hang guard only; the timeout test sets its own.
    startTimeoutMs: 60_000,
    env: {},
  };
  return {
    store,
    platform,
    journal,
    commands,
    observers,
    ephemeralObservers,
    host: (overrides: Partial<PluginHostDeps> = {}) => new PluginHost({ ...deps, ...overrides }),
    advance: (ms: number) => (clock += ms),
    now: () => clock,
  };
}

const plugin = (id: string, start: PluginDefinition["start"]) => definePlugin({ manifest: { id, version: "1.0.0", description: id }, configSchema: Type.Object({}), start });

describe("the plugin host", { timeout: 120_000 }, () => {
  it("runs a persisted job after a restart: a job that fell due while Mirage was down runs at start", async () => {
    const w = world();
    const ran: unknown[] = [];
    const scheduling = plugin("later", async (ctx) => {
      ctx.scheduler.handle("remind", (payload) => void ran.push(payload));
      await ctx.scheduler.runAt(w.now() + 60_000, "remind", { room: "r1" }, { persist: true });
      await ctx.scheduler.runAt(w.now() + 60_000, "remind", { room: "not persisted" });
      return {};
    });
    const first = w.host();
    await first.startAll([{ definition: scheduling, config: {} }]);
    first.start();
    await first.stop();
    expect(ran).toEqual([]);

    w.advance(120_000);
    const handled = plugin("later", (ctx) => {
      ctx.scheduler.handle("remind", (payload) => void ran.push(payload));
      return {};
    });
    // A new process: a new set of journal consumers over the same store.
    const second = w.host({ journal: new JournalConsumers({ journal: w.store.journal, handlers: [], budget, logger }) });
    await second.startAll([{ definition: handled, config: {} }]);
    expect(ran).toEqual([]); // nothing runs before the host starts
    second.start();
    await until(() => expect(ran).toEqual([{ room: "r1" }]));
    await until(async () => expect(await w.store.plugins.open("later").jobs.next()).toBeUndefined());
    await second.stop();
  });

  it("dead-letters a hook that keeps throwing, and another plugin's hook goes on", async () => {
    const w = world();
    const seen: string[] = [];
    const failing = plugin("failing", (ctx) => {
      ctx.hooks.on("message.created", () => {
        throw Object.assign(new Error("nope"), { code: "NOPE" });
      });
      return {};
    });
    const counting = plugin("counting", (ctx) => {
      ctx.hooks.on("message.created", (entry) => void seen.push(entry.event.type === "message.created" ? entry.event.messageId : ""));
      return {};
    });
    const host = w.host();
    await host.startAll([
      { definition: failing, config: {} },
      { definition: counting, config: {} },
    ]);
    w.journal.start();
    host.start();
    const alice = await w.platform.person("alice");
    const room = await w.platform.chat.createRoom(alice, { name: "talk" });
    const one = await w.platform.chat.send(alice, room.id, { body: "one" });
    const two = await w.platform.chat.send(alice, room.id, { body: "two" });
    await until(() => expect(seen).toEqual([one.id, two.id]));
    await until(async () => expect((await w.store.deadLetters.list(10)).filter((d) => d.id.endsWith(":plugin-failing"))).toHaveLength(2));
    expect(await w.store.journal.cursor("plugin-counting")).toMatchObject({ position: await w.store.journal.head() });
    await host.stop();
    await w.journal.stop();
  });

  it("removes everything a plugin registered when it stops: commands, hooks, observers, jobs and timers, then calls its stop", async () => {
    const w = world();
    const events: string[] = [];
    const ticks: number[] = [];
    let signal: AbortSignal | undefined;
    let stopped = 0;
    const everything = plugin("everything", async (ctx) => {
      signal = ctx.signal;
      ctx.hooks.on("*", (entry) => void events.push(`hook:${entry.event.type}`));
      ctx.onMatrixEvent((event) => void events.push(`matrix:${event.eventId}`));
      ctx.onMatrixEphemeral((event) => void events.push(`ephemeral:${event.type}`));
      ctx.scheduler.runEvery(10, () => void ticks.push(1));
      ctx.scheduler.handle("job", () => void events.push("job"));
      await ctx.scheduler.runAt(w.now() + 3_600_000, "job", null);
      return { commands: [{ name: "everything", summary: "x", permission: "anyone", run: () => undefined }], stop: () => void stopped++ };
    });
    const host = w.host();
    await host.startAll([{ definition: everything, config: {} }]);
    w.journal.start();
    host.start();
    expect(w.commands.all().map((c) => c.name)).toEqual(["everything"]);
    for (const observer of w.observers) observer({ type: "m.room.message", roomId: "!r:x", sender: "@u:x", eventId: "$1", content: {}, originServerTs: 1 });
    for (const observer of w.ephemeralObservers) observer({ type: "m.receipt", roomId: "!r:x", content: {} });
    await until(() => expect(events).toEqual(expect.arrayContaining(["matrix:$1", "ephemeral:m.receipt"])));
    await until(() => expect(ticks.length).toBeGreaterThan(0));
    const schedulers = schedulersOf(host);
    await until(() => expect(armedTimers(schedulers)).toBe(2)); // the interval, and the sleep until the job

    await host.stop();
    expect(signal?.aborted).toBe(true);
    expect(stopped).toBe(1);
    expect(w.commands.all()).toEqual([]);
    expect(w.observers.size).toBe(0);
    expect(w.ephemeralObservers.size).toBe(0);
    expect(host.status()).toEqual({ everything: "disabled: stopped" });
    const after = events.length;
    const ticksAfter = ticks.length;
    const alice = await w.platform.person("alice");
    await w.platform.chat.createRoom(alice, { name: "after stop" });
    w.journal.kick();
    await w.journal.idle();
    // No timer of the plugin is left: the active handles are what they were before it started.
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.length).toBe(after);
    expect(ticks.length).toBe(ticksAfter);
    expect(armedTimers(schedulers)).toBe(0);
    await w.journal.stop();
  });

  it("disables a plugin whose start throws or never finishes, undoing what it registered; the others run", async () => {
    const w = world();
    let lateStop = 0;
    const throwing = plugin("throwing", (ctx) => {
      ctx.scheduler.runEvery(10, () => undefined);
      ctx.hooks.on("*", () => undefined);
      throw new Error("cannot reach the widget server");
    });
    const hanging = plugin("hanging", () => new Promise(() => undefined));
    const late = plugin("late", (ctx) => new Promise((resolve) => setTimeout(() => resolve({ stop: () => void lateStop++ }), ctx.signal.aborted ? 0 : 1_500)));
    const fine = plugin("fine", () => ({ commands: [{ name: "fine", summary: "x", permission: "anyone", run: () => undefined }] }));
    const host = w.host({ startTimeoutMs: 200 });
    await host.startAll([throwing, hanging, late, fine].map((definition) => ({ definition, config: {} })));
    expect(host.status()).toEqual({
      throwing: "disabled: cannot reach the widget server",
      hanging: "disabled: start did not finish within 200 ms",
      late: "disabled: start did not finish within 200 ms",
      fine: "running",
    });
    expect(w.commands.all().map((c) => c.name)).toEqual(["fine"]);
    expect(w.journal.consumers.map((c) => c.name)).toEqual(["plugin-fine"]);
    await until(() => expect(lateStop).toBe(1));
    await host.stop();
  });
});

type SchedulerTimers = { intervals: Set<unknown>; timer: unknown };

/** The schedulers of the host's running plugins (their timers are private). */
function schedulersOf(host: PluginHost): SchedulerTimers[] {
  return (host as unknown as { running: Array<{ scheduler: SchedulerTimers }> }).running.map((r) => r.scheduler);
}

function armedTimers(schedulers: SchedulerTimers[]): number {
  return schedulers.reduce((n, s) => n + s.intervals.size + (s.timer ? 1 : 0), 0);
}
