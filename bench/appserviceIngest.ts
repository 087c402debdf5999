import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Fastify from "fastify";
import { Registry } from "prom-client";
import { createLogger } from "../src/log/createLogger.js";
import { createAppserviceMetrics } from "../src/matrix/appserviceMetrics.js";
import { buildAppserviceServer } from "../src/matrix/buildAppserviceServer.js";
import { openLevelStore } from "../src/store/openStore.js";
import { measure, row } from "./measure.js";

const REQUESTS = 3000;
const CONCURRENCY = 16;
/** The homeserver's own shape: Synapse sends up to 100 events per transaction, one transaction at a time. */
const HS_SHAPE = { transactions: 500, eventsPerTransaction: 100 };
const HS = "bench-hs-token";

const event = (i: number, j: number) => ({
  type: "m.room.message",
  room_id: `!bench${j % 7}:localhost`,
  sender: "@user:localhost",
  event_id: `$${i}-${j}`,
  origin_server_ts: 0,
  content: { msgtype: "m.text", body: "x".repeat(200) },
});

const body = (i: number, events: number) => JSON.stringify({ events: Array.from({ length: events }, (_, j) => event(i, j)) });

/**
 * Homeserver → Mirage transaction ingestion over loopback HTTP: Mirage's route (token check,
 * schema validation, durable level write before 200) against a bare Fastify route that answers {}.
 */
export async function benchAppserviceIngest(): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "mirage-bench-"));
  const store = await openLevelStore(dir);
  const mirage = buildAppserviceServer({
    hsToken: HS,
    inbox: store.inbox,
    logger: createLogger("silent"),
    metrics: createAppserviceMetrics(new Registry()),
    onTransactionAccepted: () => undefined,
    onPing: () => undefined,
  });
  const bare = Fastify();
  bare.put("/_matrix/app/v1/transactions/:txnId", async () => ({}));
  const mirageUrl = await mirage.listen({ port: 0, host: "127.0.0.1" });
  const bareUrl = await bare.listen({ port: 0, host: "127.0.0.1" });

  const send = (base: string, prefix: string, events = 1) => {
    const bodies = new Map<number, string>();
    return async (i: number) => {
      const payload = bodies.get(i % 50) ?? body(i % 50, events);
      bodies.set(i % 50, payload);
      const res = await fetch(`${base}/_matrix/app/v1/transactions/${prefix}-${i}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${HS}`, "content-type": "application/json" },
        body: payload,
      });
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      await res.arrayBuffer();
    };
  };

  // Warm both up, then alternate so neither gets a quieter machine.
  await measure(300, CONCURRENCY, send(bareUrl, "warm"));
  await measure(300, CONCURRENCY, send(mirageUrl, "warm"));
  const b1 = await measure(REQUESTS, CONCURRENCY, send(bareUrl, "a"));
  const m1 = await measure(REQUESTS, CONCURRENCY, send(mirageUrl, "a"));
  const b2 = await measure(REQUESTS, CONCURRENCY, send(bareUrl, "b"));
  const m2 = await measure(REQUESTS, CONCURRENCY, send(mirageUrl, "b"));
  const bareRate = (b1.perSecond + b2.perSecond) / 2;
  const mirageRate = (m1.perSecond + m2.perSecond) / 2;

  // The homeserver's shape: 100-event transactions, one in flight; what it waits for is the ack.
  const { transactions, eventsPerTransaction: n } = HS_SHAPE;
  await measure(20, 1, send(bareUrl, "warm100", n));
  await measure(20, 1, send(mirageUrl, "warm100", n));
  const hb1 = await measure(transactions, 1, send(bareUrl, "c", n));
  const hm1 = await measure(transactions, 1, send(mirageUrl, "c", n));
  const hb2 = await measure(transactions, 1, send(bareUrl, "d", n));
  const hm2 = await measure(transactions, 1, send(mirageUrl, "d", n));
  const mean = (a: number, b: number) => (a + b) / 2;
  const hsRatio = mean(hm1.perSecond, hm2.perSecond) / mean(hb1.perSecond, hb2.perSecond);

  await mirage.close();
  await bare.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
  return [
    `appservice transaction ingestion (${REQUESTS} requests x2, ${CONCURRENCY} in flight, 1 event each)`,
    row("  bare Fastify PUT route", b2),
    row("  Mirage PUT /transactions (durable)", m2),
    `  ratio Mirage / bare: ${(mirageRate / bareRate).toFixed(2)} (throughput, mean of two rounds)`,
    `appservice transaction ingestion, the homeserver's shape (${transactions} transactions x2, 1 in flight, ${n} events each)`,
    row("  bare Fastify PUT route", hb2),
    row("  Mirage PUT /transactions (durable)", hm2),
    `  ack latency Mirage: p50 ${mean(hm1.p50Ms, hm2.p50Ms).toFixed(2)} ms, p99 ${mean(hm1.p99Ms, hm2.p99Ms).toFixed(2)} ms ` +
      `(bare: p50 ${mean(hb1.p50Ms, hb2.p50Ms).toFixed(2)} ms, p99 ${mean(hb1.p99Ms, hb2.p99Ms).toFixed(2)} ms); ` +
      `${(mean(hm1.perSecond, hm2.perSecond) * n).toFixed(0)} events/s`,
    `  ratio Mirage / bare: ${hsRatio.toFixed(2)} (throughput, mean of two rounds); ack p50 ${(mean(hm1.p50Ms, hm2.p50Ms) / mean(hb1.p50Ms, hb2.p50Ms)).toFixed(1)}x bare`,
  ];
}
