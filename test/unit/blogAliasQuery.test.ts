import type { Appservice } from "@vector-im/matrix-bot-sdk";
import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { BridgeQueries } from "../../src/bridge/BridgeQueries.js";
import { createLogger } from "../../src/log/createLogger.js";
import { createAppserviceMetrics } from "../../src/matrix/appserviceMetrics.js";
import { buildAppserviceServer } from "../../src/matrix/buildAppserviceServer.js";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import { BOT, bridgeWorld, DOMAIN, ghostOf, ops } from "../support/bridgeWorld.js";

/* Alias queries for blog rooms `#mirage_blog_<owner>`, through the appservice listener. */

const HS = "hs-token-for-blog-alias-tests";

async function setup() {
  const w = bridgeWorld();
  const aliases = new Map<string, string>();
  const appservice = {
    getIntentForUserId: () => ({ ensureRegistered: async () => undefined }),
    botClient: {
      createRoomAlias: async (alias: string, roomId: string) => {
        if (aliases.has(alias)) throw Object.assign(new Error("exists"), { statusCode: 409 });
        aliases.set(alias, roomId);
      },
    },
  } as unknown as Appservice;
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
    blogs: w.p.blogs,
    blogRoom: { botUserId: BOT },
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
  const ask = (alias: string) =>
    app.inject({ method: "GET", url: `/_matrix/app/v1/rooms/${encodeURIComponent(alias)}`, headers: { authorization: `Bearer ${HS}` } });
  return { w, ask, sent, aliases };
}

describe("blog alias queries", () => {
  it("creates an existing account's blog room (its ghost's profile first) and answers {} once it exists", async () => {
    const { w, ask, sent } = await setup();
    await w.p.account("alice");
    const res = await ask(`#mirage_blog_alice:${DOMAIN}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    expect(sent).toEqual([
      expect.objectContaining({ op: "profile", sender: ghostOf("alice") }),
      expect.objectContaining({ op: "createRoom", sender: ghostOf("alice"), room: { kind: "blog", id: "alice" }, alias: "mirage_blog_alice", preset: "public_chat", name: "alice" }),
      { op: "membership", action: "join", sender: BOT, room: { kind: "blog", id: "alice" } },
    ]);
    expect(await w.store.idMapping.toMatrix({ kind: "blog", id: "alice" })).toEqual({ roomId: `!alice:${DOMAIN}` });
    // The relay later finds the creation on its way (receipt) or done (mapping): asked again, nothing is queued.
    expect(await w.store.outbox.hasReceipt("blog-room:alice")).toBe(true);
    expect((await ask(`#mirage_blog_alice:${DOMAIN}`)).statusCode).toBe(200);
    expect(await w.store.outbox.size()).toBe(0);
  });

  it("creates a Matrix owner's blog room once the blog exists, and 404s before", async () => {
    const { w, ask, sent } = await setup();
    const alias = `#mirage_blog_bob=3aexample.org:${DOMAIN}`;
    expect((await ask(alias)).statusCode).toBe(404);
    expect(await w.store.outbox.size()).toBe(0);
    const bob = people.matrix("@bob:example.org" as MatrixUserId);
    await w.p.blogs.updateBlog(bob, "@bob:example.org", { title: "Bob's" });
    expect((await ask(alias)).statusCode).toBe(200);
    expect(sent[0]).toMatchObject({ op: "createRoom", sender: BOT, invite: ["@bob:example.org"], name: "Bob's", room: { kind: "blog", id: "@bob:example.org" } });
  });

  it("adds an alias spelling the owner as its ghost to the account's blog room", async () => {
    const { w, ask, aliases } = await setup();
    await w.p.account("alice");
    const ghostAlias = `#${w.names.blogAliasLocalpart(ghostOf("alice") as never)}:${DOMAIN}`;
    expect((await ask(ghostAlias)).statusCode).toBe(200);
    expect(await w.store.idMapping.toMatrix({ kind: "blog", id: ghostOf("alice") })).toBeUndefined();
    expect(aliases.get(ghostAlias)).toBe(`!alice:${DOMAIN}`);
  });

  it("answers 404 for blogs that do not exist and for aliases that are no blog's, creating nothing", async () => {
    const { w, ask } = await setup();
    for (const alias of [`#mirage_blog_nobody:${DOMAIN}`, `#mirage_blog_alice:other.example`, `#mirage_blog_Alice:${DOMAIN}`, `#mirage_blog_bob=3Aexample.org:${DOMAIN}`]) {
      const res = await ask(alias);
      expect(res.statusCode, alias).toBe(404);
    }
    expect(await w.store.outbox.size()).toBe(0);
  });
});
