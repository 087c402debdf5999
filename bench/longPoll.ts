import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { SyncHub } from "../src/platform/sync/SyncHub.js";

const WAITERS = 10_000;
const ROUNDS = 5;
const TIMEOUT_MS = 60_000;
const event = { kind: "message.created", roomId: "!bench", data: { id: "m1", body: "hello" } };
const users = Array.from({ length: WAITERS }, (_, i) => `user${i}`);
const N = WAITERS.toLocaleString("en");

/**
 * Long-poll cost at 10,000 parked polls: memory per idle poll, and latency from one publish to
 * each poll's resolution, each against a naive baseline measured in the same run (a bare
 * pending promise with its own timer, resolved directly from a loop).
 */
export async function benchLongPoll(): Promise<string[]> {
  const { gc, how } = findGc();

  const parkOnHub = (userOf: (i: number) => string) => () => {
    const hub = new SyncHub();
    const since = hub.currentToken();
    const polls = users.map((_, i) => hub.wait(userOf(i), since, TIMEOUT_MS));
    return { held: polls, release: () => hub.close() };
  };
  const spreadMemory = await memoryPerWaiter(gc, parkOnHub((i) => users[i]!));
  const oneUserMemory = await memoryPerWaiter(gc, parkOnHub(() => "user0"));
  const bareMemory = await memoryPerWaiter(gc, () => {
    const parked: { timer: ReturnType<typeof setTimeout>; resolve: () => void }[] = [];
    const polls = users.map(
      () => new Promise<void>((resolve) => parked.push({ timer: setTimeout(resolve, TIMEOUT_MS), resolve })),
    );
    const release = () => {
      for (const { timer, resolve } of parked) {
        clearTimeout(timer);
        resolve();
      }
    };
    return { held: polls, release };
  });

  // Warm up at full size so the measured rounds are not the JIT's first, then take the median
  // of several rounds per shape, interleaved so no shape gets a quieter machine.
  const shapes = {
    spread: () => wakeAll(new SyncHub(), "spread"),
    oneUser: () => wakeAll(new SyncHub(), "one user"),
    bare: () => wakeBare(),
  };
  for (const run of Object.values(shapes)) await run();
  const rounds: Record<keyof typeof shapes, Wake[]> = { spread: [], oneUser: [], bare: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(shapes)) rounds[name as keyof typeof shapes].push(await run());
  }
  const spread = median(rounds.spread);
  const oneUser = median(rounds.oneUser);
  const bare = median(rounds.bare);

  const bytes = (n: number) => `${Math.round(n).toLocaleString("en")} B`;
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  const memoryRow = (name: string, m: { heap: number; rss: number }) =>
    `    ${name.padEnd(42)} heap ${bytes(m.heap).padStart(7)}   RSS ${bytes(m.rss).padStart(7)}   ` +
    `(heap ${(m.heap / bareMemory.heap).toFixed(2)}x naive)`;
  const wakeRow = (name: string, w: Wake) =>
    `  ${name.padEnd(44)} publish ${ms(w.publishMs)}   p50 ${ms(w.p50Ms)}   p99 ${ms(w.p99Ms)}   ` +
    `(p99 ${(w.p99Ms / bare.p99Ms).toFixed(1)}x bare)`;
  return [
    `long-poll sync hub, ${N} parked polls (${how})`,
    `  memory per idle poll (heapUsed / RSS growth; RSS only counts pages V8 had to add):`,
    memoryRow(`hub.wait, ${N} users x 1 poll`, spreadMemory),
    memoryRow(`hub.wait, 1 user x ${N} polls`, oneUserMemory),
    memoryRow("naive: pending promise + own setTimeout", bareMemory),
    `  wake latency, publish start → each poll's resolution (median of ${ROUNDS} rounds):`,
    wakeRow(`${N} users x 1 poll, one publish to all`, spread),
    wakeRow(`1 user x ${N} polls, one publish`, oneUser),
    `  ${`baseline: resolve ${N} bare promises`.padEnd(44)} loop    ${ms(bare.publishMs)}   ` +
      `p50 ${ms(bare.p50Ms)}   p99 ${ms(bare.p99Ms)}`,
  ];
}

interface Wake {
  publishMs: number;
  p50Ms: number;
  p99Ms: number;
}

async function wakeAll(hub: SyncHub, shape: "spread" | "one user"): Promise<Wake> {
  const count = WAITERS;
  const since = hub.currentToken();
  const recipients = shape === "spread" ? users : ["user0"];
  const latencies: number[] = [];
  let t0 = 0;
  const polls: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const poll = hub.wait(shape === "spread" ? recipients[i]! : "user0", since, TIMEOUT_MS);
    polls.push(poll.then(() => latencies.push(performance.now() - t0)));
  }
  t0 = performance.now();
  hub.publish(recipients, event);
  const publishMs = performance.now() - t0;
  await Promise.all(polls);
  if (hub.stats().waiters !== 0 || latencies.length !== count) throw new Error("not every poll woke");
  return { publishMs, ...percentiles(latencies) };
}

async function wakeBare(): Promise<Wake> {
  const count = WAITERS;
  const latencies: number[] = [];
  const resolvers: (() => void)[] = [];
  let t0 = 0;
  const polls = Array.from({ length: count }, () =>
    new Promise<void>((resolve) => resolvers.push(resolve)).then(() => latencies.push(performance.now() - t0)),
  );
  t0 = performance.now();
  for (const resolve of resolvers) resolve();
  const publishMs = performance.now() - t0;
  await Promise.all(polls);
  return { publishMs, ...percentiles(latencies) };
}

/** Field-wise median over rounds. */
function median(rounds: Wake[]): Wake {
  const mid = (pick: (w: Wake) => number) => rounds.map(pick).sort((a, b) => a - b)[rounds.length >> 1]!;
  return { publishMs: mid((w) => w.publishMs), p50Ms: mid((w) => w.p50Ms), p99Ms: mid((w) => w.p99Ms) };
}

function percentiles(values: number[]): { p50Ms: number; p99Ms: number } {
  values.sort((a, b) => a - b);
  const at = (q: number) => values[Math.min(values.length - 1, Math.floor(q * values.length))]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

async function memoryPerWaiter(
  gc: (() => void) | undefined,
  park: () => { held: Promise<unknown>[]; release: () => void },
): Promise<{ heap: number; rss: number }> {
  const settle = async () => {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
    gc?.();
    return process.memoryUsage();
  };
  const before = await settle();
  const parked = park();
  const after = await settle();
  parked.release();
  await Promise.all(parked.held);
  parked.held.length = 0;
  return {
    heap: (after.heapUsed - before.heapUsed) / WAITERS,
    rss: (after.rss - before.rss) / WAITERS,
  };
}

/** `global.gc` when node runs with --expose-gc; otherwise the flag set at runtime, which V8 honours for new contexts. */
function findGc(): { gc: (() => void) | undefined; how: string } {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === "function") return { gc: exposed, how: "after global.gc" };
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    if (typeof gc === "function") return { gc: gc as () => void, how: "after gc, exposed at runtime" };
  } catch {
    // Fall through: figures then include garbage not yet collected.
  }
  return { gc: undefined, how: "no gc available: memory figures include uncollected garbage" };
}
