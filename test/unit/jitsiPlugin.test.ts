import { createRequire } from "node:module";
import { Value } from "@sinclair/typebox/value";
import Fastify from "fastify";
import { jwtVerify } from "jose";
import { runTemplate, WidgetParser } from "matrix-widget-api";
import { describe, expect, it } from "vitest";
import { jitsiConfigSchema, type JitsiConfig } from "../../plugins/jitsi/jitsiConfigSchema.js";
import { mintJitsiToken } from "../../plugins/jitsi/jitsiToken.js";
import jitsiPlugin from "../../plugins/jitsi/index.js";
import type { PluginContext, PluginInstance, PluginMatrixEvent, PluginRoom } from "../../src/plugins/pluginApi.js";
import { CommandDispatcher } from "../../src/platform/commands/CommandDispatcher.js";
import { CommandRegistry } from "../../src/platform/commands/CommandRegistry.js";
import { validatePluginConfig } from "../../src/plugins/validatePluginConfig.js";

const WIDGETS = "im.vector.modular.widgets";
const LAYOUT = "io.element.widgets.layout";
const SECRET = "a-secret-of-at-least-16-chars";
const NOW = 1_800_000_000_000;

/** matrix-widget-api 1.19's `isValidUrl` compares `URL.protocol` without its colon, so its parser refuses every URL; the rest of the parser is what we check. */
function withFixedUrlCheck<T>(run: () => T): T {
  const urlModule = createRequire(import.meta.url)("matrix-widget-api/lib/models/validation/url.js") as { isValidUrl: (url: string) => boolean };
  const original = urlModule.isValidUrl;
  urlModule.isValidUrl = (url) => {
    try {
      return ["http:", "https:"].includes(new URL(url).protocol);
    } catch {
      return false;
    }
  };
  try {
    return run();
  } finally {
    urlModule.isValidUrl = original;
  }
}

function roomKey(room: PluginRoom): string {
  return "roomId" in room ? `portal-of:${room.roomId}` : "matrixRoomId" in room ? room.matrixRoomId : `blog:${room.blog}`;
}

/** A fake plugin context: Matrix state and notices per room, power levels from a table, an in-memory store. */
function fakeWorld(config: Partial<JitsiConfig> = {}, powers: Record<string, number> = {}) {
  const state = new Map<string, Map<string, Record<string, unknown>>>();
  const notices: Array<{ room: string; text: string }> = [];
  const live: Array<{ room: string; name: string; payload: Record<string, unknown> }> = [];
  const observers: Array<(event: PluginMatrixEvent) => Promise<void> | void> = [];
  const store = new Map<string, unknown>();
  const stateOf = (room: PluginRoom) => {
    const key = roomKey(room);
    if (!state.has(key)) state.set(key, new Map());
    return state.get(key)!;
  };
  const setState = async (room: PluginRoom, type: string, stateKey: string, content: Record<string, unknown>) => {
    stateOf(room).set(`${type}|${stateKey}`, content);
  };
  const ctx = {
    manifest: jitsiPlugin.manifest,
    config: Value.Default(jitsiConfigSchema, structuredClone(config)) as JitsiConfig,
    logger: { info() {}, warn() {}, error() {}, debug() {} },
    store: {
      get: async (key: string) => structuredClone(store.get(key)),
      put: async (key: string, value: unknown) => void store.set(key, structuredClone(value)),
      delete: async (key: string) => void store.delete(key),
      list: async (prefix: string) =>
        [...store.entries()].filter(([key]) => key.startsWith(prefix)).sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => ({ key, value })),
    },
    matrix: {
      sendNotice: async (room: PluginRoom, text: string) => void notices.push({ room: roomKey(room), text }),
      sendMessage: async () => {},
      setState,
      removeState: (room: PluginRoom, type: string, stateKey: string) => setState(room, type, stateKey, {}),
      redact: async () => {},
      getState: async (room: PluginRoom, type: string, stateKey: string) => {
        const content = stateOf(room).get(`${type}|${stateKey}`);
        return content && Object.keys(content).length > 0 ? structuredClone(content) : undefined;
      },
      powerFor: async (_room: PluginRoom, userId: string, type: string) => ({ user: powers[userId] ?? 0, needed: type === WIDGETS ? 50 : 0 }),
    },
    onMatrixEvent: (handler: (event: PluginMatrixEvent) => Promise<void> | void) => void observers.push(handler),
    notify: { room: async (room: PluginRoom, name: string, payload: Record<string, unknown>) => void live.push({ room: roomKey(room), name, payload }) },
    hooks: { on() {} },
    scheduler: {},
    signal: new AbortController().signal,
    web: { errors: (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, { type: "object" }])) },
    publicUrl: "https://mirage.test",
    homeserverDomain: "hs.test",
  } as unknown as PluginContext<JitsiConfig>;
  return { ctx, state, stateOf, notices, live, observers, store };
}

async function startPlugin(config: Partial<JitsiConfig> = {}, powers: Record<string, number> = { "@mod:hs.test": 50 }) {
  const world = fakeWorld(config, powers);
  const instance: PluginInstance = await jitsiPlugin.start(world.ctx as never);
  const registry = new CommandRegistry();
  for (const command of instance.commands ?? []) registry.register(command);
  const dispatcher = new CommandDispatcher(
    registry,
    { powerLevel: async () => 0, isDirectWithBot: async () => false, isBridgeAdmin: () => false, place: async () => ({ kind: "room" }) },
    () => NOW,
  );
  const send = async (body: string, sender = "@mod:hs.test", roomId = "!portal:hs.test") => {
    const result = await dispatcher.dispatch({ body, sender, roomId, eventId: "$cmd", sentAt: NOW });
    return "replies" in result ? result.replies.map((r) => r.text) : [];
  };
  return { ...world, instance, send };
}

function widgetsIn(world: { stateOf: (room: PluginRoom) => Map<string, Record<string, unknown>> }, room: PluginRoom) {
  return [...world.stateOf(room).entries()].filter(([key]) => key.startsWith(`${WIDGETS}|`)).map(([key, content]) => ({ id: key.slice(WIDGETS.length + 1), content }));
}

describe("jitsi plugin: !call", () => {
  it("adds Element's Jitsi widget, pins it on top and posts the meeting link", async () => {
    const world = await startPlugin();
    await world.ctx.matrix.setState({ matrixRoomId: "!portal:hs.test" }, "m.room.name", "", { name: "Team room" });
    expect(await world.send("!call")).toEqual([]);

    const [widget] = widgetsIn(world, { matrixRoomId: "!portal:hs.test" });
    const conferenceId = (widget!.content.data as { conferenceId: string }).conferenceId;
    expect(conferenceId).toMatch(/^mirage[a-z0-9]{24}$/);
    expect(widget!.content).toEqual({
      type: "jitsi",
      url: expect.any(String),
      name: "Jitsi",
      id: widget!.id,
      creatorUserId: "@mod:hs.test",
      waitForIframeLoad: true,
      data: { conferenceId, roomName: "Team room", isAudioOnly: false, isVideoChannel: false, domain: "meet.jit.si" },
    });
    expect(world.stateOf({ matrixRoomId: "!portal:hs.test" }).get(`${LAYOUT}|`)).toEqual({
      widgets: { [widget!.id]: { container: "top", index: 0, width: 100, height: 40 } },
    });
    expect(world.notices).toEqual([{ room: "!portal:hs.test", text: `A video call started: https://meet.jit.si/${conferenceId}` }]);

    const parsed = withFixedUrlCheck(() =>
      WidgetParser.parseRoomWidget({
        type: WIDGETS,
        state_key: widget!.id,
        sender: "@mirage_bot:hs.test",
        content: widget!.content,
        event_id: "$w",
        room_id: "!portal:hs.test",
        origin_server_ts: NOW,
      }),
    );
    expect(parsed?.id).toBe(widget!.id);
    expect(parsed?.creatorUserId).toBe("@mod:hs.test");
    expect(parsed?.type).toBe("jitsi");
  });

  it("builds the widget URL from Element's wrapper and the template variables clients fill in", async () => {
    const world = await startPlugin({ domain: "jitsi.example.org" });
    await world.send("!call audio");
    const [widget] = widgetsIn(world, { matrixRoomId: "!portal:hs.test" });
    const data = widget!.content.data as { conferenceId: string; isAudioOnly: boolean };
    expect(data.isAudioOnly).toBe(true);
    const url = new URL(widget!.content.url as string);
    expect(url.origin + url.pathname).toBe("https://app.element.io/jitsi.html");
    expect(url.searchParams.get("confId")).toBe(data.conferenceId);
    expect(Object.fromEntries(new URLSearchParams(url.hash.slice(1)))).toEqual({
      conferenceDomain: "$domain",
      conferenceId: "$conferenceId",
      isAudioOnly: "$isAudioOnly",
      isVideoChannel: "$isVideoChannel",
      displayName: "$matrix_display_name",
      avatarUrl: "$matrix_avatar_url",
      userId: "$matrix_user_id",
      roomId: "$matrix_room_id",
      theme: "$theme",
      roomName: "$roomName",
      supportsScreensharing: "true",
      language: "$org.matrix.msc2873.client_language",
    });
    // What a client opens: matrix-widget-api's own templating, as Element uses it.
    const filled = new URL(
      runTemplate(widget!.content.url as string, { id: widget!.id, creatorUserId: "@mod:hs.test", type: "jitsi", url: widget!.content.url as string, data: widget!.content.data as Record<string, unknown> }, {
        currentUserId: "@carol:hs.test",
        userDisplayName: "Carol",
        widgetRoomId: "!portal:hs.test",
        clientLanguage: "en",
      }),
    );
    const fragment = new URLSearchParams(filled.hash.slice(1));
    expect(fragment.get("conferenceDomain")).toBe("jitsi.example.org");
    expect(fragment.get("conferenceId")).toBe(data.conferenceId);
    expect(fragment.get("isAudioOnly")).toBe("true");
    expect(fragment.get("userId")).toBe("@carol:hs.test");
    expect(fragment.get("displayName")).toBe("Carol");
    expect(fragment.get("roomId")).toBe("!portal:hs.test");
    expect(world.notices.at(-1)!.text).toBe(`An audio call started: https://jitsi.example.org/${data.conferenceId}`);
  });

  it("answers the running call instead of adding a second widget", async () => {
    const world = await startPlugin();
    await world.send("!call");
    const replies = await world.send("!call audio");
    expect(widgetsIn(world, { matrixRoomId: "!portal:hs.test" })).toHaveLength(1);
    expect(replies[0]).toMatch(/^A call is already running here: https:\/\/meet\.jit\.si\/mirage/);
  });

  it("refuses a member without the power level to change widgets, and changes nothing", async () => {
    const world = await startPlugin();
    const replies = await world.send("!call", "@pleb:hs.test");
    expect(replies).toEqual(["You cannot start a call here: that needs power level 50 to change the room's widgets, and yours is 0."]);
    expect(world.state.get("!portal:hs.test")?.size ?? 0).toBe(0);
    expect(world.notices).toEqual([]);

    await world.send("!call");
    expect(await world.send("!call end", "@pleb:hs.test")).toEqual([
      "You cannot end the call here: that needs power level 50 to change the room's widgets, and yours is 0.",
    ]);
    expect(widgetsIn(world, { matrixRoomId: "!portal:hs.test" })[0]!.content).not.toEqual({});
  });
});

describe("jitsi plugin: !call end", () => {
  it("empties the widget and unpins it, keeping other widgets in the layout", async () => {
    const world = await startPlugin();
    const room = { matrixRoomId: "!portal:hs.test" };
    await world.ctx.matrix.setState(room, LAYOUT, "", { widgets: { notes: { container: "right", index: 0 } } });
    await world.send("!call");
    const [widget] = widgetsIn(world, room);
    expect(Object.keys((world.stateOf(room).get(`${LAYOUT}|`) as { widgets: object }).widgets)).toEqual(["notes", widget!.id]);

    expect(await world.send("!call end")).toEqual([]);
    expect(world.stateOf(room).get(`${WIDGETS}|${widget!.id}`)).toEqual({});
    expect(world.stateOf(room).get(`${LAYOUT}|`)).toEqual({ widgets: { notes: { container: "right", index: 0 } } });
    expect(world.notices.at(-1)!.text).toBe("The call has ended.");
    expect(await world.send("!call end")).toEqual(["There is no call in this room."]);
  });

  it("ends a call an Element user started (found from the room's state)", async () => {
    const world = await startPlugin();
    const room = { matrixRoomId: "!portal:hs.test" };
    await world.ctx.matrix.setState(room, WIDGETS, "elementW", {
      type: "jitsi",
      url: "https://app.element.io/jitsi.html?confId=JitsiAbc#conferenceDomain=$domain",
      name: "Jitsi",
      data: { conferenceId: "JitsiAbc", domain: "meet.element.io", isAudioOnly: false },
    });
    await world.ctx.matrix.setState(room, LAYOUT, "", { widgets: { elementW: { container: "top", index: 0, width: 100, height: 40 } } });
    expect(await world.send("!call")).toEqual(["A call is already running here: https://meet.element.io/JitsiAbc"]);
    await world.send("!call end");
    expect(world.stateOf(room).get(`${WIDGETS}|elementW`)).toEqual({});
    expect(world.stateOf(room).get(`${LAYOUT}|`)).toEqual({ widgets: {} });
  });

  it("forgets a call whose widget a Matrix client removed", async () => {
    const world = await startPlugin();
    const room = { matrixRoomId: "!portal:hs.test" };
    await world.send("!call");
    const [widget] = widgetsIn(world, room);
    await world.ctx.matrix.removeState(room, WIDGETS, widget!.id);
    for (const observe of world.observers) {
      await observe({ type: WIDGETS, roomId: "!portal:hs.test", sender: "@mod:hs.test", eventId: "$x", stateKey: widget!.id, content: {}, originServerTs: NOW });
    }
    expect(world.store.size).toBe(0);
    await world.send("!call");
    expect(widgetsIn(world, room).filter((w) => Object.keys(w.content).length > 0)).toHaveLength(1);
    expect(world.notices.filter((n) => n.text.startsWith("A video call started"))).toHaveLength(2);
  });
});

describe("jitsi plugin: live notices to web members", () => {
  it("tells the room when a call starts and ends, whoever started or ended it", async () => {
    const world = await startPlugin();
    const room = { matrixRoomId: "!portal:hs.test" };
    await world.send("!call audio");
    const [widget] = widgetsIn(world, room);
    expect(world.live).toEqual([
      { room: "!portal:hs.test", name: "call.started", payload: { widgetId: widget!.id, audioOnly: true, url: expect.stringMatching(/^https:\/\/meet\.jit\.si\/mirage[a-z0-9]+$/), startedBy: "@mod:hs.test" } },
    ]);
    // Mirage's own state events come back from the homeserver: announced already.
    const echo = { type: WIDGETS, roomId: "!portal:hs.test", sender: "@mirage:hs.test", eventId: "$e", stateKey: widget!.id, content: widget!.content, originServerTs: NOW, fromMirage: true };
    for (const observe of world.observers) await observe(echo);
    await world.send("!call end");
    expect(world.live.map((n) => n.name)).toEqual(["call.started", "call.ended"]);
    expect(world.live[1]!.payload).toEqual({ widgetId: widget!.id });

    // An Element user adds Element's widget, then removes it.
    const element = {
      type: "jitsi",
      url: "https://app.element.io/jitsi.html?confId=JitsiAbc#conferenceDomain=$domain",
      name: "Jitsi",
      data: { conferenceId: "JitsiAbc", domain: "meet.element.io", isAudioOnly: false },
    };
    const fromElement = (content: Record<string, unknown>) => ({ type: WIDGETS, roomId: "!portal:hs.test", sender: "@alice:hs.test", eventId: "$a", stateKey: "elementW", content, originServerTs: NOW });
    for (const observe of world.observers) await observe(fromElement(element));
    for (const observe of world.observers) await observe(fromElement({}));
    expect(world.live.slice(2)).toEqual([
      { room: "!portal:hs.test", name: "call.started", payload: { widgetId: "elementW", audioOnly: false, url: "https://meet.element.io/JitsiAbc", startedBy: "@alice:hs.test" } },
      { room: "!portal:hs.test", name: "call.ended", payload: { widgetId: "elementW" } },
    ]);
  });
});

describe("jitsi plugin: JWT rooms", () => {
  const jwt = { appId: "mirage-app", appSecret: SECRET };

  it("mints an HS256 token whose signature and claims Jitsi checks", async () => {
    const token = mintJitsiToken({ appId: "mirage-app", secret: SECRET, audience: "jitsi", domain: "meet.example.org", conferenceId: "mirageabc", user: { id: "alice", name: "Alice" }, seconds: 600, now: NOW });
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
      issuer: "mirage-app",
      audience: "jitsi",
      subject: "meet.example.org",
      currentDate: new Date(NOW + 1000),
    });
    expect(protectedHeader).toEqual({ alg: "HS256", typ: "JWT" });
    expect(payload).toMatchObject({ room: "mirageabc", context: { user: { id: "alice", name: "Alice" } } });
    expect(payload.exp! - payload.iat!).toBe(600);
    await expect(jwtVerify(token, new TextEncoder().encode("another-secret-16+chars"))).rejects.toThrow(/signature/);
    await expect(jwtVerify(token, new TextEncoder().encode(SECRET), { currentDate: new Date(NOW + 601_000) })).rejects.toThrow(/exp/);
  });

  it("gives a Matrix member their token only in a direct message, and only for a room they joined", async () => {
    const world = await startPlugin(jwt);
    const room = { matrixRoomId: "!portal:hs.test" };
    await world.send("!call");
    expect(world.notices[0]!.text).toContain("It needs a personal token");

    expect(await world.send("!call token")).toEqual(["Tokens are personal: send `!call token !portal:hs.test` to me in a direct message."]);
    expect(await world.send("!call token !portal:hs.test", "@stranger:hs.test", "!dm:hs.test")).toEqual(["Only members of that room can join its call."]);

    await world.ctx.matrix.setState(room, "m.room.member", "@carol:hs.test", { membership: "join" });
    const [reply] = await world.send("!call token !portal:hs.test", "@carol:hs.test", "!dm:hs.test");
    const link = new URL(reply!.slice(reply!.indexOf("https://")));
    const conferenceId = (widgetsIn(world, room)[0]!.content.data as { conferenceId: string }).conferenceId;
    expect(link.origin + link.pathname).toBe(`https://meet.jit.si/${conferenceId}`);
    const { payload } = await jwtVerify(link.searchParams.get("jwt")!, new TextEncoder().encode(SECRET), {
      issuer: "mirage-app",
      audience: "jitsi",
      subject: "meet.jit.si",
    });
    expect(payload).toMatchObject({ room: conferenceId, context: { user: { id: "@carol:hs.test" } } });
  });

  it("runs with no config at all, takes the secret from the environment, and refuses half a JWT setup", async () => {
    const validate = (raw: unknown, env: NodeJS.ProcessEnv = {}) => validatePluginConfig(jitsiConfigSchema, raw, { index: 0, id: "jitsi", env });
    expect(validate({})).toEqual({ value: { domain: "meet.jit.si", widgetWrapperUrl: "https://app.element.io/jitsi.html", tokenAudience: "jitsi", tokenSeconds: 600 } });
    expect(validate({ appId: "mirage-app" }, { MIRAGE_PLUGINS_JITSI_APP_SECRET: SECRET })).toMatchObject({ value: { appId: "mirage-app", appSecret: SECRET } });
    expect(validate({ appId: "a", appSecret: "short" })).toEqual({ issues: [expect.objectContaining({ path: "plugins[0].config.appSecret" })] });
    await expect(startPlugin({ appId: "mirage-app" })).rejects.toThrow("appId and appSecret go together");
  });
});

describe("jitsi plugin: room routes", () => {
  async function app(config: Partial<JitsiConfig> = {}) {
    const world = await startPlugin(config);
    const server = Fastify();
    server.decorateRequest("mirage", null);
    server.addHook("onRequest", async (request) => {
      (request as unknown as { mirage: unknown }).mirage = {
        person: { kind: "account", name: "alice" },
        room: { id: request.url.split("/")[2], name: "Web room" },
      };
    });
    await server.register(world.instance.roomRoutes!, { prefix: "/rooms/:roomId" });
    return { world, server };
  }

  it("starts, shows and ends the room's call with the same Matrix state as !call", async () => {
    const { world, server } = await app({ appId: "mirage-app", appSecret: SECRET });
    expect((await server.inject({ method: "GET", url: "/rooms/r1/call" })).statusCode).toBe(404);

    const started = await server.inject({ method: "POST", url: "/rooms/r1/call", payload: { audioOnly: true } });
    expect(started.statusCode).toBe(201);
    const call = started.json();
    const [widget] = widgetsIn(world, { roomId: "r1" });
    expect(call).toMatchObject({ conferenceId: expect.stringMatching(/^mirage/), domain: "meet.jit.si", audioOnly: true, widgetId: widget!.id, creatorUserId: "@mirage_alice:hs.test" });
    expect(widget!.content).toMatchObject({ type: "jitsi", creatorUserId: "@mirage_alice:hs.test", data: { isAudioOnly: true, conferenceId: call.conferenceId, roomName: "Web room" } });
    const { payload } = await jwtVerify(new URL(call.url).searchParams.get("jwt")!, new TextEncoder().encode(SECRET), { issuer: "mirage-app", audience: "jitsi" });
    expect(payload).toMatchObject({ room: call.conferenceId, context: { user: { id: "alice" } } });

    expect((await server.inject({ method: "POST", url: "/rooms/r1/call", payload: {} })).statusCode).toBe(200);
    expect((await server.inject({ method: "GET", url: "/rooms/r1/call" })).json()).toMatchObject({ widgetId: widget!.id });

    expect((await server.inject({ method: "DELETE", url: "/rooms/r1/call" })).statusCode).toBe(204);
    expect(world.stateOf({ roomId: "r1" }).get(`${WIDGETS}|${widget!.id}`)).toEqual({});
    expect(world.stateOf({ roomId: "r1" }).get(`${LAYOUT}|`)).toEqual({ widgets: {} });
    expect((await server.inject({ method: "DELETE", url: "/rooms/r1/call" })).statusCode).toBe(404);
    expect((await server.inject({ method: "POST", url: "/rooms/r1/call", payload: { audioOnly: "loud" } })).statusCode).toBe(400);
    await server.close();
  });
});
