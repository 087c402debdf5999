import { performance } from "node:perf_hooks";

export interface Measurement {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Runs `count` calls of `fn` with `concurrency` in flight; bounded by count, not by time. */
export async function measure(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<Measurement> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await fn(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { requests: count, perSecond: count / elapsed, p50Ms: at(0.5), p99Ms: at(0.99) };
}

export function row(name: string, m: Measurement): string {
  return `${name.padEnd(34)} ${m.perSecond.toFixed(0).padStart(8)} req/s   p50 ${m.p50Ms.toFixed(2)} ms   p99 ${m.p99Ms.toFixed(2)} ms`;
}
