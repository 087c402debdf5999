import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { ScryptPasswordHasher } from "../src/platform/accounts/PasswordHasher.js";
import { mediaUrlUnder, renderInline } from "../src/platform/render/createMarkdownRenderer.js";
import { benchApp } from "./benchApp.js";
import { measureHostileMarkdown } from "./renderHostile.js";

const IDLE_MS = 10_000;
const LOADED_MS = 20_000;
const PUBLIC_URL = "http://bench.example";
// The defaults of api.rateLimits and render.
const WRITES = { perMinute: 120, burst: 30 };
const WRITE_COST_CHARS = 4000;

interface Setup {
  name: string;
  pooled: boolean;
  /** Characters per extra write; absent: every post costs one write. */
  charsPerWrite?: number;
}

/**
 * The issue's "must show": one account posting the worst hostile Markdown shape at its full write
 * rate against a running API (Fastify listening on 127.0.0.1, real HTTP), while two readers poll
 * `GET /health` and a profile read one request at a time. Reported: each reader's p99 latency
 * loaded against idle, measured in the same run, for the app as configured by default, for the
 * pool with a budget that charges one write per post, and for rendering on the event loop (before).
 */
export async function benchRenderLoad(): Promise<string[]> {
  const worst = measureHostileMarkdown(1)[0]!;
  const setups: Setup[] = [
    { name: "worker pool, write cost by size (defaults)", pooled: true, charsPerWrite: WRITE_COST_CHARS },
    { name: "worker pool, one write per post", pooled: true },
    { name: "rendering on the event loop, one write per post", pooled: false },
  ];
  const lines = [
    `render load: one account posting "${worst.name}" (${worst.source.length} chars, the worst hostile shape) at its full write rate ` +
      `(${WRITES.perMinute}/min, burst ${WRITES.burst}); p99 of GET /health and GET /api/v1/users/{name}, loaded (${LOADED_MS / 1000} s) vs idle (${IDLE_MS / 1000} s), same run`,
  ];
  for (const setup of setups) lines.push(await runSetup(setup, worst.source));
  return lines;
}

async function runSetup(setup: Setup, document: string): Promise<string> {
  const { app, platform, close } = await benchApp({
    config: {
      api: {
        publicUrl: PUBLIC_URL,
        rateLimits: {
          writesPerMinutePerAccount: WRITES.perMinute,
          writeBurstPerAccount: WRITES.burst,
          // Absent: every post costs one write.
          writeCostChars: setup.charsPerWrite ?? Number.MAX_SAFE_INTEGER,
        },
      },
      render: { documentTimeLimitMs: 10_000 },
    },
    overrides: {
      passwordHasher: new ScryptPasswordHasher({ N: 2 ** 10, r: 8, p: 1 }),
      ...(setup.pooled ? {} : { runRenderTask: renderInline(mediaUrlUnder(PUBLIC_URL)) }),
    },
  });
  const accounts = platform.accounts;
  await accounts.signUp("reader", "correct horse battery");
  const { accessToken } = await accounts.signUp("poster", "correct horse battery");
  const url = await app.listen({ port: 0, host: "127.0.0.1" });

  const read = (path: string) => async () => {
    const res = await fetch(`${url}${path}`);
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    await res.arrayBuffer();
  };
  const readers = { health: read("/health"), profile: read("/api/v1/users/reader") };
  await phase(2_000, readers); // warm-up
  const idle = await phase(IDLE_MS, readers);
  let posts = 0;
  let refused = 0;
  const loaded = await phase(LOADED_MS, readers, async (until) => {
    while (performance.now() < until) {
      const res = await fetch(`${url}/api/v1/blogs/poster/posts`, {
        method: "POST",
        headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
        body: JSON.stringify({ title: `post ${posts}`, body: document }),
      });
      await res.arrayBuffer();
      if (res.status === 201) posts++;
      else if (res.status === 429) await sleep(Math.min(Number(res.headers.get("retry-after") ?? 1) * 1000, Math.max(0, until - performance.now())));
      else refused++;
    }
  });
  await close();
  const ratio = (k: "health" | "profile") => `${loaded[k].toFixed(1)} vs ${idle[k].toFixed(1)} ms (${(loaded[k] / idle[k]).toFixed(2)}x)`;
  return `  ${setup.name}: ${posts} posts${refused > 0 ? `, ${refused} refused` : ""}; /health p99 ${ratio("health")}; profile read p99 ${ratio("profile")}`;
}

/** Runs each reader back to back for `ms` (and `load` alongside); the p99 latency of each reader, in ms. */
async function phase<K extends string>(ms: number, readers: Record<K, () => Promise<void>>, load?: (until: number) => Promise<void>): Promise<Record<K, number>> {
  const until = performance.now() + ms;
  const p99 = {} as Record<K, number>;
  await Promise.all([
    load?.(until),
    ...Object.entries<() => Promise<void>>(readers).map(async ([name, fn]) => {
      const latencies: number[] = [];
      while (performance.now() < until) {
        const started = performance.now();
        await fn();
        latencies.push(performance.now() - started);
      }
      latencies.sort((a, b) => a - b);
      p99[name as K] = latencies[Math.min(latencies.length - 1, Math.floor(0.99 * latencies.length))]!;
    }),
  ]);
  return p99;
}
