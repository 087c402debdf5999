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
const HS = "bench-hs-token";

const body = (i: number) =>
  JSON.stringify({
    events: [
      {
        type: "m.room.message",
        room_id: "!bench:localhost",
        sender: "@user:localhost",
        event_id: `$${i}`,
        origin_server_ts: 0,
        content: { msgtype: "m.text", body: "x".repeat(200) },
      },
    ],
  });

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

  const send = (base: string, prefix: string) => async (i: number) => {
    const res = await fetch(`${base}/_matrix/app/v1/transactions/${prefix}-${i}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${HS}`, "content-type": "application/json" },
      body: body(i),
    });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    await res.arrayBuffer();
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

  await mirage.close();
  await bare.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
  return [
    `appservice transaction ingestion (${REQUESTS} requests x2, ${CONCURRENCY} in flight, 1 event each)`,
    row("  bare Fastify PUT route", b2),
    row("  Mirage PUT /transactions (durable)", m2),
    `  ratio Mirage / bare: ${(mirageRate / bareRate).toFixed(2)} (throughput, mean of two rounds)`,
  ];
}
