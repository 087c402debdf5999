import type { Appservice } from "@vector-im/matrix-bot-sdk";
import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { BridgeQueries } from "../../src/bridge/BridgeQueries.js";
import { createLogger } from "../../src/log/createLogger.js";
import { createAppserviceMetrics } from "../../src/matrix/appserviceMetrics.js";
import { buildAppserviceServer } from "../../src/matrix/buildAppserviceServer.js";
import { bridgeWorld, DOMAIN, ghostOf, ops } from "../support/bridgeWorld.js";

/* The homeserver's user and alias queries, through the appservice listener with its hs_token. */

const HS = "hs-token-for-query-tests";

async function setup() {
  const w = bridgeWorld();
  const registered: string[] = [];
  const aliases = new Map<string, string>();
  const appservice = {
    getIntentForUserId: (userId: string) => ({ ensureRegistered: async () => void registered.push(userId) }),
    botClient: {
      createRoomAlias: async (alias: string, roomId: string) => {
        if (aliases.has(alias)) throw Object.assign(new Error("exists"), { statusCode: 409 });
        aliases.set(alias, roomId);
      },
    },
  } as unknown as Appservice;
  // The outbox carrying out a portal's creation: what the homeserver would do when asked.
  const sent: unknown[] = [];
  const kickOutbox = vi.fn(() => {
    void (async () => {
      sent.push(...ops(await w.store.outbox.peek(100)));
      await w.sendAll();
    })();
  });
  const queries = new BridgeQueries({
    appservice,
    accounts: w.store.accounts,
    rooms: w.store.rooms,
    mapping: w.store.idMapping,
    outbox: w.store.outbox,
    names: w.names,
    ghosts: w.ghosts,
    portal: w.settings,
    logger: createLogger("silent"),
    kickOutbox,
    aliasWaitMs: 60_000,
    sleep: () => new Promise((resolve) => setImmediate(resolve)),
  });
  const app = buildAppserviceServer({
    hsToken: HS,
    inbox: w.store.inbox,
    logger: createLogger("silent"),
    metrics: createAppserviceMetrics(new Registry()),
    onTransactionAccepted: () => undefined,
    onPing: () => undefined,
    queries,
  });
  const ask = (path: string, token = HS) =>
    app.inject({ method: "GET", url: `/_matrix/app/v1/${path}`, headers: { authorization: `Bearer ${token}` } });
  return { w, app, ask, registered, kickOutbox, sent, aliases };
}

describe("user queries", () => {
  it("registers and provisions the ghost of an existing account and answers {}", async () => {
    const { w, ask, registered, sent } = await setup();
    await w.store.accounts.update({ ...(await w.p.account("alice")), displayName: "Alice A", avatarUrl: "https://img.example/a.png" });
    const res = await ask(`users/${encodeURIComponent(ghostOf("alice"))}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    expect(registered).toEqual([ghostOf("alice")]);
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent).toEqual([
      { op: "profile", sender: ghostOf("alice"), displayName: "Alice A", avatarSource: "https://img.example/a.png" },
    ]);
  });

  it("answers 404 for non-accounts, other domains and names no account can have", async () => {
    const { w, ask, registered } = await setup();
    await w.p.account("alice");
    for (const userId of [
      ghostOf("nobody"),
      `@mirage_alice:other.example`,
      `@alice:${DOMAIN}`,
      `@mirage_Alice:${DOMAIN}`,
      `@mirage_al%ice:${DOMAIN}`,
      `@mirage_:${DOMAIN}`,
      `@mirage_alice:${DOMAIN}:8448`,
      "not-a-user",
    ]) {
      const res = await ask(`users/${encodeURIComponent(userId)}`);
      expect(res.statusCode, userId).toBe(404);
      expect(res.json(), userId).toMatchObject({ errcode: "M_NOT_FOUND" });
    }
    expect(registered).toEqual([]);
    expect(await w.store.outbox.size()).toBe(0);
  });

  it("refuses a query without the hs_token", async () => {
    const { w, ask } = await setup();
    await w.p.account("alice");
    expect((await ask(`users/${encodeURIComponent(ghostOf("alice"))}`, "wrong")).statusCode).toBe(403);
  });
});

describe("alias queries", () => {
  it("creates the portal of an existing public room and answers {} once it exists", async () => {
    const { w, ask, kickOutbox, sent } = await setup();
    const alice = await w.p.person("alice");
    const room = await w.p.chat.createRoom(alice, { name: "Open", joinRule: "public" });
    const res = await ask(`rooms/${encodeURIComponent(`#mirage_${room.id}:${DOMAIN}`)}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    expect(kickOutbox).toHaveBeenCalled();
    expect(sent[0]).toMatchObject({ op: "createRoom", preset: "public_chat", alias: `mirage_${room.id}` });
    expect(await w.store.idMapping.toMatrix({ kind: "room", id: room.id })).toMatchObject({ roomId: `!${room.id}:${DOMAIN}` });
    // Asked again: it exists, nothing is queued.
    expect((await ask(`rooms/${encodeURIComponent(`#mirage_${room.id}:${DOMAIN}`)}`)).statusCode).toBe(200);
    expect(await w.store.outbox.size()).toBe(0);
  });

  it("puts back the alias of an existing public portal (the homeserver asks only when it does not know the alias)", async () => {
    const { w, ask, aliases } = await setup();
    const alice = await w.p.person("alice");
    const room = await w.p.chat.createRoom(alice, { name: "Open", joinRule: "public" });
    await w.store.idMapping.link([{ ref: { kind: "room", id: room.id }, roomId: "!existing:test.example", origin: "platform" }]);
    const alias = `#mirage_${room.id}:${DOMAIN}`;
    expect((await ask(`rooms/${encodeURIComponent(alias)}`)).statusCode).toBe(200);
    expect(aliases.get(alias)).toBe("!existing:test.example");
    expect(await w.store.outbox.size()).toBe(0);
    // Restored by someone else meanwhile: still there.
    expect((await ask(`rooms/${encodeURIComponent(alias)}`)).statusCode).toBe(200);
  });

  it("answers 404 for invite-only rooms, DMs, unknown rooms and other aliases, creating nothing", async () => {
    const { w, ask } = await setup();
    const alice = await w.p.person("alice");
    const closed = await w.p.chat.createRoom(alice, { name: "Closed" });
    const { room: dm } = await w.p.chat.openDm(alice, "@bob:example.org");
    for (const alias of [
      `#mirage_${closed.id}:${DOMAIN}`,
      `#mirage_${dm.id}:${DOMAIN}`,
      `#mirage_r_doesnotexist:${DOMAIN}`,
      `#mirage_${closed.id}:other.example`,
      `#other_${closed.id}:${DOMAIN}`,
      `#mirage_../x:${DOMAIN}`,
    ]) {
      const res = await ask(`rooms/${encodeURIComponent(alias)}`);
      expect(res.statusCode, alias).toBe(404);
      expect(res.json(), alias).toMatchObject({ errcode: "M_NOT_FOUND" });
    }
    expect(await w.store.outbox.size()).toBe(0);
  });
});
