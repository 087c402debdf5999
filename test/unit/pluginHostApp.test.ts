import { fileURLToPath } from "node:url";
import { MemoryLevel } from "memory-level";
import { afterEach, describe, expect, it } from "vitest";
import { createApp, type MirageApp } from "../../src/app.js";
import { ConfigError } from "../../src/config/ConfigError.js";
import { parseConfig } from "../../src/config/loadConfig.js";
import { createLogger } from "../../src/log/createLogger.js";
import { buildRegistration } from "../../src/matrix/registration.js";
import { ScryptPasswordHasher } from "../../src/platform/accounts/PasswordHasher.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver, type Store } from "../../src/store/openStore.js";

const HELLO = fileURLToPath(new URL("../../plugins/examples/hello/index.ts", import.meta.url));
const BOOM = fileURLToPath(new URL("../fixtures/plugins/boom/index.ts", import.meta.url));
const TOKEN = "operations-token-0123456789abcdef0123";

let app: MirageApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function build(plugins: unknown[], store: Store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel)) {
  const config = parseConfig({ homeserver: { url: "http://127.0.0.1:9", domain: "example.org" }, bridge: { enabled: false }, operations: { token: TOKEN }, plugins });
  app = await createApp({
    config,
    registration: buildRegistration({ url: "http://127.0.0.1:8090", domain: "example.org" }),
    logger: createLogger("silent"),
    store,
    passwordHasher: new ScryptPasswordHasher({ N: 2 ** 10, r: 8, p: 1 }),
  });
  return app;
}

async function signUp(mirage: MirageApp, username: string): Promise<string> {
  const res = await mirage.api.inject({ method: "POST", url: "/api/v1/accounts", payload: { username, password: "correct horse battery" } });
  expect(res.statusCode).toBe(201);
  return (res.json() as { accessToken: string }).accessToken;
}

describe("plugins in the composed app", { timeout: 60_000 }, () => {
  it("the example plugin adds a command, a durable hook and routes (documented in OpenAPI)", async () => {
    const mirage = await build([{ id: "hello", module: HELLO, config: { greeting: "Howdy" } }]);
    expect(mirage.commands.all().map((c) => c.name)).toContain("hello");
    await mirage.start();
    const alice = await signUp(mirage, "alice");
    const auth = { authorization: `Bearer ${alice}` };
    const room = (await mirage.api.inject({ method: "POST", url: "/api/v1/rooms", headers: auth, payload: { name: "Lobby" } })).json() as { id: string };
    for (const body of ["one", "two"]) {
      expect((await mirage.api.inject({ method: "POST", url: `/api/v1/rooms/${room.id}/messages`, headers: auth, payload: { body } })).statusCode).toBe(201);
    }
    const count = async () => (await mirage.api.inject({ method: "GET", url: `/api/v1/plugins/hello/rooms/${room.id}/count`, headers: auth })).json() as { messages: number };
    await expect.poll(async () => (await count()).messages).toBe(2);
    const viaRoom = await mirage.api.inject({ method: "GET", url: `/api/v1/rooms/${room.id}/hello`, headers: auth });
    expect(viaRoom.json()).toEqual({ greeting: "Howdy", roomId: room.id, messages: 2 });
    // The host authenticates room routes and admits joined members only.
    expect((await mirage.api.inject({ method: "GET", url: `/api/v1/rooms/${room.id}/hello` })).statusCode).toBe(401);
    const bob = await signUp(mirage, "bob");
    expect((await mirage.api.inject({ method: "GET", url: `/api/v1/rooms/${room.id}/hello`, headers: { authorization: `Bearer ${bob}` } })).statusCode).toBe(404);
    const openapi = (await mirage.api.inject({ method: "GET", url: "/api/v1/openapi.json" })).json() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(Object.keys(openapi.paths["/api/v1/rooms/{roomId}/hello"]!.get!.responses).sort()).toEqual(["200", "400", "401", "403", "404"]);
    expect(openapi.paths["/api/v1/plugins/hello/rooms/{roomId}/count"]?.get).toBeDefined();
    const health = (await mirage.api.inject({ method: "GET", url: "/health", headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(health.plugins).toEqual({ hello: "running" });
  });

  it("a plugin whose start throws is disabled, and the others and Mirage run", async () => {
    const mirage = await build([
      { id: "boom", module: BOOM },
      { id: "hello", module: HELLO },
    ]);
    await mirage.start();
    const health = (await mirage.api.inject({ method: "GET", url: "/health", headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(health.plugins).toEqual({ boom: "disabled: boom: no such widget server", hello: "running" });
    expect(health.status).toBe("degraded");
    const alice = await signUp(mirage, "alice");
    const room = (await mirage.api.inject({ method: "POST", url: "/api/v1/rooms", headers: { authorization: `Bearer ${alice}` }, payload: { name: "Lobby" } })).json() as { id: string };
    expect((await mirage.api.inject({ method: "GET", url: `/api/v1/rooms/${room.id}/hello`, headers: { authorization: `Bearer ${alice}` } })).statusCode).toBe(200);
  });

  it("refuses a plugin config that fails its schema, with the core config's error format", async () => {
    const error = await build([{ id: "hello", module: HELLO, config: { greeting: "", colour: "red" } }]).catch((e: unknown) => e);
    const cause = (error as { cause?: unknown }).cause;
    expect(cause).toBeInstanceOf(ConfigError);
    expect((cause as ConfigError).issues).toEqual([
      { path: "plugins[0].config.colour", problem: "unknown key" },
      { path: "plugins[0].config.greeting", problem: expect.stringMatching(/length/) },
    ]);
    app = undefined;
  });
});
