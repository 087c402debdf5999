import Fastify, { type FastifyInstance } from "fastify";
import { profileLookup } from "../src/api/profileLookup.js";
import { profileSchemas } from "../src/api/routes/profileRoutes.js";
import { syncRoutes } from "../src/api/routes/syncRoutes.js";
import { blogSchemas } from "../src/api/schemas/blogSchemas.js";
import { chatSchemas } from "../src/api/schemas/chatSchemas.js";
import { sharedSchemas } from "../src/api/schemas/common.js";
import { identifierSchemas } from "../src/api/schemas/identifierSchemas.js";
import { personSchemas } from "../src/api/schemas/personSchemas.js";
import { reactionSchemas } from "../src/api/schemas/reactionSchemas.js";
import { syncObjects, type SyncObjects } from "../src/api/syncObjects.js";
import { createLogger } from "../src/log/createLogger.js";
import { people } from "../src/platform/people/people.js";
import { mediaUrlUnder, renderInline } from "../src/platform/render/createMarkdownRenderer.js";
import { interleaved, ratios } from "./apiRoutes.js";
import { benchApp } from "./benchApp.js";
import { row } from "./measure.js";

const MEMBERS = 20;
const BIG_BATCH = 50;

/**
 * `GET /api/v1/sync` answering with each event's object (read at delivery for the reader) vs
 * the same route answering IDs only, over loopback HTTP, alternating rounds. Both sides are the
 * same minimal Fastify app with the same route and schemas; only the object reads differ. The
 * poll re-reads a retained batch (`since` before it, `timeout=0`), so every request does the
 * full work of delivering it.
 */
export async function benchSyncObjects(): Promise<string[]> {
  const { platform, close } = await benchApp({
    overrides: {
      runRenderTask: renderInline(mediaUrlUnder("http://bench.example")),
      unlimitedWrites: true,
      passwordHasher: { hash: async (p) => p, verify: async (p, h) => p === h },
    },
  });
  const { chat, reactions } = platform.services;
  const accounts = platform.accounts;
  const owner = people.account("owner" as never);
  await accounts.signUp("owner", "correct horse battery");
  const { accessToken } = await accounts.signUp("reader", "correct horse battery");
  const reader = people.account("reader" as never);
  const room = await chat.createRoom(owner, { name: "bench room", invite: ["reader"] });
  await chat.join(reader, room.id);
  for (let i = 0; i < MEMBERS - 2; i++) {
    await accounts.signUp(`member${i}`, "correct horse battery");
    await chat.invite(owner, room.id, `member${i}`);
    await chat.join(people.account(`member${i}` as never), room.id);
  }

  // A busy answer: 30 new messages, 10 edits, 10 reactions; then one message, the most common answer.
  const busy = platform.hub.currentToken();
  const sent = [];
  for (let i = 0; i < 30; i++) sent.push(await chat.send(owner, room.id, { body: `message ${i} with some **text**` }));
  for (let i = 0; i < 10; i++) await chat.edit(owner, sent[i]!.id, `message ${i}, edited`);
  for (let i = 0; i < 10; i++) await reactions.add(owner, { kind: "message", id: sent[i * 3]!.id }, "👍");
  const latest = platform.hub.currentToken();
  await chat.send(owner, room.id, { body: "a message with some **text** and a [link](https://example.org)" });

  const objects = syncObjects({ chat, profiles: profileLookup(platform.services.personProfiles), log: createLogger("silent") });
  const idsOnly = await listen(platform, undefined);
  const withObjects = await listen(platform, objects);
  const poll = (base: string, since: string, events: number) => async () => {
    const res = await fetch(`${base}/api/v1/sync?since=${encodeURIComponent(since)}&timeout=0`, { headers: { authorization: `Bearer ${accessToken}` } });
    const body = (await res.json()) as { events: unknown[] };
    if (res.status !== 200 || body.events.length !== events) throw new Error(`sync: ${res.status}, ${body.events.length} events`);
  };
  for (const base of [idsOnly.url, withObjects.url]) await poll(base, latest, 1)();
  const [smallIds, smallObjects] = await interleaved(poll(idsOnly.url, latest, 1), poll(withObjects.url, latest, 1));
  const [bigIds, bigObjects] = await interleaved(poll(idsOnly.url, busy, BIG_BATCH + 1), poll(withObjects.url, busy, BIG_BATCH + 1));

  await idsOnly.app.close();
  await withObjects.app.close();
  await close();
  return [
    `GET /api/v1/sync carrying objects vs IDs only (room of ${MEMBERS} members; same route and app, alternating rounds, over loopback HTTP)`,
    row("  1 message event, IDs only", smallIds),
    row("  1 message event, with its object", smallObjects),
    ratios(smallObjects, smallIds).replace("the bare route's", "IDs-only"),
    row(`  ${BIG_BATCH + 1} events (31 messages, 10 edits, 10 reactions), IDs only`, bigIds),
    row(`  ${BIG_BATCH + 1} events, with objects`, bigObjects),
    ratios(bigObjects, bigIds).replace("the bare route's", "IDs-only"),
  ];
}

type Platform = Awaited<ReturnType<typeof benchApp>>["platform"];

/** The sync route alone, with the API's schemas, as buildApi registers it. */
async function listen(platform: Platform, objects: SyncObjects | undefined): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  for (const schema of [...sharedSchemas, ...identifierSchemas, ...personSchemas, ...chatSchemas, ...profileSchemas, ...reactionSchemas, ...blogSchemas]) app.addSchema(schema);
  app.decorateRequest("auth", null);
  await app.register(syncRoutes, { accounts: platform.accounts, hub: platform.hub, ...(objects ? { objects } : {}) });
  return { app, url: await app.listen({ port: 0, host: "127.0.0.1" }) };
}
