import Fastify from "fastify";
import { mediaUrlUnder, renderInline } from "../src/platform/render/createMarkdownRenderer.js";
import { people } from "../src/platform/people/people.js";
import { benchApp } from "./benchApp.js";
import { measure, row, type Measurement } from "./measure.js";

const READS = 3000;
const CONCURRENCY = 16;
const ROUNDS = 6;

/** One side's totals over its rounds, and its median CPU time per request (server and load generator, this process). */
export interface Side extends Measurement {
  cpuUsPerRequest: number;
}

/**
 * The baseline and the route measured in alternating rounds (READS each in all), so a change
 * in the machine's load during the run weighs on both sides alike; totals over all rounds.
 * Throughput on a shared machine also depends on what else runs; the CPU time this process
 * spends per request (median of the rounds) does much less, so both are reported.
 */
export async function interleaved(bare: () => Promise<void>, route: () => Promise<void>): Promise<[Side, Side]> {
  const rounds: [Measurement[], Measurement[]] = [[], []];
  const cpu: [number[], number[]] = [[], []];
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const side of order) {
      const before = process.cpuUsage();
      rounds[side]!.push(await measure(READS / ROUNDS, CONCURRENCY, side === 0 ? bare : route));
      const used = process.cpuUsage(before);
      cpu[side]!.push((used.user + used.system) / (READS / ROUNDS));
    }
  }
  return [combine(rounds[0], cpu[0]), combine(rounds[1], cpu[1])];
}

function combine(parts: Measurement[], cpu: number[]): Side {
  const requests = parts.reduce((n, m) => n + m.requests, 0);
  const seconds = parts.reduce((t, m) => t + m.requests / m.perSecond, 0);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  // Latency percentiles: the median round's (rounds are equal in size).
  return {
    requests,
    perSecond: requests / seconds,
    p50Ms: median(parts.map((m) => m.p50Ms)),
    p99Ms: median(parts.map((m) => m.p99Ms)),
    cpuUsPerRequest: median(cpu),
  };
}

export const ratios = (route: Side, bare: Side) =>
  `  ratio: ${(route.perSecond / bare.perSecond).toFixed(2)} of the bare route's throughput; ` +
  `CPU per request ${route.cpuUsPerRequest.toFixed(0)} vs ${bare.cpuUsPerRequest.toFixed(0)} µs: ${(bare.cpuUsPerRequest / route.cpuUsPerRequest).toFixed(2)}`;

/**
 * Mirage's JSON read routes against a bare Fastify route answering the same JSON, over
 * loopback HTTP in one run; and sign-up / log-in rates with the production scrypt cost.
 */
export async function benchApiRoutes(): Promise<string[]> {
  // Production scrypt cost; Markdown rendered on the calling thread; no write budget.
  const { app, store, platform, close } = await benchApp({
    config: { api: { publicUrl: "http://bench.example" } },
    overrides: {
      runRenderTask: renderInline(mediaUrlUnder("http://bench.example")),
      profileSanitizer: { bioHtml: async (s) => s, html: async (s) => s, css: async () => "" },
      unlimitedWrites: true,
    },
  });
  const accounts = platform.accounts;
  const { chat, reactions } = platform.services;

  // Auth throughput with the real hash cost (N=2^17): bounded counts.
  const SIGNUPS = 16;
  const signUp = await measure(SIGNUPS, 2, async (i) => void (await accounts.signUp(`bench${i}`, "correct horse battery")));
  const logIn = await measure(SIGNUPS, 2, async (i) => void (await accounts.logIn(`bench${i}`, "correct horse battery", "127.0.0.1")));
  const { accessToken } = await accounts.logIn("bench0", "correct horse battery", "127.0.0.1");
  const owner = people.account((await store.accounts.get("bench0" as never))!.name);
  const room = await chat.createRoom(owner, { name: "bench room" });
  // A page of 20 as people write them: a quarter of the messages carry reactions, some the reader's own.
  for (let i = 0; i < 50; i++) {
    const message = await chat.send(owner, room.id, { body: `message ${i} with some **text**` });
    if (i % 4 === 0) await reactions.add(owner, { kind: "message", id: message.id }, i % 8 === 0 ? "👍" : "🎉");
  }

  const mirageUrl = await app.listen({ port: 0, host: "127.0.0.1" });
  const post = (
    await app.inject({
      method: "POST",
      url: "/api/v1/blogs/bench0/posts",
      headers: { authorization: `Bearer ${accessToken}` },
      payload: { title: "A benchmark post", body: "# Heading\n\nSome *Markdown* with a [link](https://example.org).\n\n- one\n- two", published: true },
    })
  ).json() as { id: string };
  const postJson = (await app.inject({ url: `/api/v1/posts/${post.id}` })).body;
  const profileJson = JSON.stringify((await app.inject({ url: "/api/v1/users/bench0" })).json());
  const messagesJson = (await app.inject({ url: `/api/v1/rooms/${room.id}/messages?limit=20`, headers: { authorization: `Bearer ${accessToken}` } })).body;
  const bare = Fastify();
  bare.get("/profile", async (_req, reply) => reply.type("application/json").send(profileJson));
  bare.get("/messages", async (_req, reply) => reply.type("application/json").send(messagesJson));
  bare.get("/post", async (_req, reply) => reply.type("application/json").send(postJson));
  const bareUrl = await bare.listen({ port: 0, host: "127.0.0.1" });

  const get = (url: string, headers: Record<string, string> = {}) => async () => {
    const res = await fetch(url, { headers });
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    await res.arrayBuffer();
  };
  const auth = { authorization: `Bearer ${accessToken}` };
  await measure(300, CONCURRENCY, get(`${bareUrl}/profile`));
  await measure(300, CONCURRENCY, get(`${mirageUrl}/api/v1/users/bench0`));
  const [bareProfile, profile] = await interleaved(get(`${bareUrl}/profile`), get(`${mirageUrl}/api/v1/users/bench0`));
  const [bareMessages, messages] = await interleaved(get(`${bareUrl}/messages`), get(`${mirageUrl}/api/v1/rooms/${room.id}/messages?limit=20`, auth));
  const [barePost, postRead] = await interleaved(get(`${bareUrl}/post`), get(`${mirageUrl}/api/v1/posts/${post.id}`));

  await close();
  await bare.close();
  return [
    `JSON API reads over loopback HTTP (${READS} requests, ${CONCURRENCY} in flight, in ${ROUNDS} rounds alternating with the baseline), against a bare Fastify route sending the same bytes`,
    row("  bare route, profile JSON", bareProfile),
    row("  GET /api/v1/users/{name}", profile),
    ratios(profile, bareProfile),
    row("  bare route, 20 messages JSON (5 with reactions)", bareMessages),
    row("  GET /rooms/{id}/messages (JWT + session check)", messages),
    ratios(messages, bareMessages),
    row("  bare route, post JSON", barePost),
    row("  GET /api/v1/posts/{id}", postRead),
    ratios(postRead, barePost),
    `accounts with scrypt N=2^17 (${SIGNUPS} each, 2 in flight): sign-up ${signUp.perSecond.toFixed(1)}/s, log-in ${logIn.perSecond.toFixed(1)}/s`,
  ];
}
