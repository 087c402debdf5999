import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { type MatrixClient, type MatrixEvent, RoomEvent } from "matrix-js-sdk";
import { buildRegistration, writeRegistration } from "../src/matrix/registration.js";
import { requestJson } from "../test/e2e/harness/http.js";
import { type MirageProcess, OPERATIONS_TOKEN, startMirage } from "../test/e2e/harness/mirageProcess.js";
import { freePort } from "../test/e2e/harness/ports.js";
import { type RunningSynapse, startSynapse } from "../test/e2e/harness/synapse.js";
import { createClient, registerUser, stopClient, type TestUser } from "../test/e2e/harness/users.js";

const ROUNDS = Number(process.env.MIRAGE_BENCH_BRIDGE_ROUNDS ?? 40);
const WARMUP = 5;
const INGEST_TRANSACTIONS = 10;
const INGEST_EVENTS_PER_TRANSACTION = 100;
const SYNAPSE_SENDS = 300;
const SYNAPSE_CONCURRENCY = 8;
/** A /sync filter that leaves out what is not timeline: presence, account data, typing and receipts. */
const SYNC_FILTER = JSON.stringify({ presence: { types: [] }, account_data: { types: [] }, room: { ephemeral: { types: [] }, account_data: { types: [] } } });

interface Latencies {
  p50: number;
  p95: number;
}

/**
 * The bridge against a real Synapse (the e2e suite's starter), Mirage as its own process, a
 * matrix-js-sdk client as the Element user. Each figure is a ratio against the homeserver alone,
 * measured in the same run, rounds interleaved:
 * - Web → Matrix: `POST …/messages` until the client sees the ghost's event, vs a Matrix user's
 *   own `PUT /send` until the same client sees it.
 * - Matrix → web: a client's `PUT /send` until a web user's long-poll `/api/v1/sync` wakes with
 *   it, vs another Matrix user's own long-poll `/sync` waking with the same event.
 * - Ingest: 100-event transactions (the homeserver's shape, one in flight) pushed into a portal
 *   until every message is in the platform store, vs Synapse's own rate of accepting sends.
 */
export async function benchBridge(): Promise<string[]> {
  const work = await mkdtemp(path.join(tmpdir(), "mirage-bench-bridge-"));
  let synapse: RunningSynapse | undefined;
  let mirage: MirageProcess | undefined;
  const clients: MatrixClient[] = [];
  try {
    const serverName = "localhost";
    const appservicePort = await freePort();
    const registration = buildRegistration({ url: `http://127.0.0.1:${appservicePort}`, domain: serverName });
    const registrationPath = path.join(work, "registration.yaml");
    await writeRegistration(registrationPath, registration);
    try {
      synapse = await startSynapse({ registrationPaths: [registrationPath], serverName, dataDir: path.join(work, "synapse") });
    } catch (error) {
      return [`bridge against Synapse: skipped, no Synapse (${String(error).split("\n")[0]})`];
    }
    await mkdir(path.join(work, "mirage"));
    mirage = await startMirage({
      dir: path.join(work, "mirage"),
      homeserverUrl: synapse.url,
      serverName,
      registrationPath,
      appservicePort,
      extra: {
        encryption: { enabled: false },
        logging: { level: "warn" },
        // One web user and one Matrix user write hundreds of messages a minute here.
        api: { rateLimits: { writesPerMinutePerAccount: 1_000_000, writeBurstPerAccount: 1_000_000 } },
      },
      // MIRAGE_BENCH_CPU_PROF=<dir> writes a CPU profile of the Mirage process there when it stops.
      ...(process.env.MIRAGE_BENCH_CPU_PROF ? { env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.MIRAGE_BENCH_CPU_PROF}` } } : {}),
    });
    await mirage.waitForHealth((h) => h.status === "ok", 120_000);
    const hs = synapse;
    const web = mirage;

    const suffix = randomBytes(3).toString("hex");
    const [bob, carol] = [await registerUser(hs, `bob_${suffix}`), await registerUser(hs, `carol_${suffix}`)];
    const bobClient = await createClient(hs, bob);
    clients.push(bobClient);
    const name = `alice_${suffix}`;
    const alice = await requestJson<{ accessToken: string }>(`${web.apiUrl}/api/v1/accounts`, { body: { username: name, password: "correct horse battery" } });
    const auth = { accessToken: alice.accessToken };
    const room = await requestJson<{ id: string }>(`${web.apiUrl}/api/v1/rooms`, { body: { name: "bench", invite: [bob.userId, carol.userId] }, ...auth });
    const portal = await until(() => bobClient.getRooms().find((r) => r.getMyMembership() === "invite")?.roomId);
    await bobClient.joinRoom(portal);
    await requestJson(`${hs.url}/_matrix/client/v3/join/${encodeURIComponent(portal)}`, { body: {}, accessToken: carol.accessToken });
    await until(async () => {
      const { members } = await requestJson<{ members: { member: string; membership: string }[] }>(`${web.apiUrl}/api/v1/rooms/${room.id}`, auth);
      return members.filter((m) => m.membership === "join").length === 3 || undefined;
    });

    const seen = watchBodies(bobClient, portal);
    const send = (user: TestUser, roomId: string, body: string) =>
      requestJson(`${hs.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${randomBytes(8).toString("hex")}`, {
        method: "PUT",
        body: { msgtype: "m.text", body },
        accessToken: user.accessToken,
      });

    // Web → Matrix.
    const postAnswered: number[] = [];
    const viaMirage = async (i: number) => {
      const body = `w2m ${suffix} ${i}`;
      const arrived = seen(body);
      const t0 = performance.now();
      await requestJson(`${web.apiUrl}/api/v1/rooms/${room.id}/messages`, { body: { body }, ...auth });
      if (i >= WARMUP) postAnswered.push(performance.now() - t0);
      return (await arrived) - t0;
    };
    const direct = async (i: number) => {
      const body = `direct ${suffix} ${i}`;
      const arrived = seen(body);
      const t0 = performance.now();
      await send(carol, portal, body);
      return (await arrived) - t0;
    };
    const w2m = await interleaved(viaMirage, direct);
    // What the outbox asked before each send until it remembered which rooms are encrypted (for comparison).
    const encryptionChecks: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      const res = await fetch(`${hs.url}/_matrix/client/v3/rooms/${encodeURIComponent(portal)}/state/m.room.encryption/`, { headers: { authorization: `Bearer ${registration.as_token}` } });
      await res.arrayBuffer();
      encryptionChecks.push(performance.now() - t0);
    }

    // Matrix → web: the same event, woken on both sides.
    let webSince = (await requestJson<{ next: string }>(`${web.apiUrl}/api/v1/sync?timeout=0`, auth)).next;
    let hsSince = (await requestJson<{ next_batch: string }>(`${hs.url}/_matrix/client/v3/sync?timeout=0&filter=${encodeURIComponent(SYNC_FILTER)}`, { accessToken: carol.accessToken })).next_batch;
    const m2wMirage: number[] = [];
    const m2wDirect: number[] = [];
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      const body = `m2w ${suffix} ${i}`;
      let t0 = 0;
      const webWoken = (async () => {
        for (;;) {
          const res = await requestJson<{ next: string; events: { kind: string; roomId?: string; data: { by?: string } }[] }>(
            `${web.apiUrl}/api/v1/sync?since=${encodeURIComponent(webSince)}&timeout=30000`,
            auth,
          );
          webSince = res.next;
          // Only Bob writes in this phase, and each round ends once both sides saw his message.
          if (res.events.some((e) => e.kind === "message.created" && e.roomId === room.id && e.data.by === bob.userId)) return performance.now();
        }
      })();
      const hsWoken = (async () => {
        for (;;) {
          const res = await requestJson<{ next_batch: string; rooms?: { join?: Record<string, { timeline?: { events?: { content?: { body?: unknown } }[] } }> } }>(
            `${hs.url}/_matrix/client/v3/sync?since=${encodeURIComponent(hsSince)}&timeout=30000&filter=${encodeURIComponent(SYNC_FILTER)}`,
            { accessToken: carol.accessToken, timeoutMs: 60_000 },
          );
          hsSince = res.next_batch;
          if (res.rooms?.join?.[portal]?.timeline?.events?.some((e) => e.content?.body === body)) return performance.now();
        }
      })();
      // Both polls are parked before the send.
      await sleep(50);
      t0 = performance.now();
      await send(bob, portal, body);
      const [webAt, hsAt] = await Promise.all([webWoken, hsWoken]);
      if (i >= WARMUP) {
        m2wMirage.push(webAt - t0);
        m2wDirect.push(hsAt - t0);
      }
    }

    // Ingest: Mirage's pipeline from the appservice listener to the platform store, vs Synapse accepting sends.
    const applied = async () => {
      const text = await (await fetch(`${web.apiUrl}/metrics`, { headers: { authorization: `Bearer ${OPERATIONS_TOKEN}` } })).text();
      const line = text.split("\n").find((l) => l.startsWith('mirage_bridge_events_total{direction="to_platform",kind="message",outcome="applied"}'));
      return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
    };
    let txn = 0;
    const ingestRound = async (round: number) => {
      const before = await applied();
      const total = INGEST_TRANSACTIONS * INGEST_EVENTS_PER_TRANSACTION;
      const t0 = performance.now();
      for (let t = 0; t < INGEST_TRANSACTIONS; t++) {
        const events = Array.from({ length: INGEST_EVENTS_PER_TRANSACTION }, (_, j) => ({
          type: "m.room.message",
          room_id: portal,
          sender: bob.userId,
          event_id: `$bench-${suffix}-${round}-${t}-${j}`,
          origin_server_ts: Date.now(),
          content: { msgtype: "m.text", body: `ingest ${round} ${t} ${j}` },
        }));
        const res = await fetch(`http://127.0.0.1:${appservicePort}/_matrix/app/v1/transactions/bench-${suffix}-${++txn}`, {
          method: "PUT",
          headers: { authorization: `Bearer ${registration.hs_token}`, "content-type": "application/json" },
          body: JSON.stringify({ events }),
        });
        if (res.status !== 200) throw new Error(`transaction answered ${res.status}`);
      }
      const acked = performance.now();
      // Polled every 100 ms: /metrics reads every queue gauge, which is work for Mirage too.
      while ((await applied()) < before + total) await sleep(100);
      const done = performance.now();
      return { perSecond: total / ((done - t0) / 1000), ackedPerSecond: total / ((acked - t0) / 1000) };
    };
    const quiet = await requestJson<{ room_id: string }>(`${hs.url}/_matrix/client/v3/createRoom`, { body: { preset: "private_chat" }, accessToken: carol.accessToken });
    const synapseRound = async (round: number) => {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: SYNAPSE_CONCURRENCY }, async () => {
          while (next < SYNAPSE_SENDS) await send(carol, quiet.room_id, `synapse ${round} ${next++}`);
        }),
      );
      return SYNAPSE_SENDS / ((performance.now() - t0) / 1000);
    };
    await ingestRound(0);
    await synapseRound(0);
    const ingest = [await ingestRound(1), await ingestRound(2)];
    const synapseRates = [await synapseRound(1), await synapseRound(2)];
    const ingestRate = mean(ingest.map((r) => r.perSecond));
    const ackRate = mean(ingest.map((r) => r.ackedPerSecond));
    const synapseRate = mean(synapseRates);

    const a = stats(w2m.mirage);
    const b = stats(w2m.direct);
    const c = stats(m2wMirage);
    const d = stats(m2wDirect);
    const ms = (s: Latencies) => `p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms`;
    // The median of per-round differences is steadier than the difference of medians on a loaded machine.
    const added = (x: number[], y: number[]) => {
      const [sx, sy] = [stats(x), stats(y)];
      const paired = stats(x.map((v, i) => v - y[i]!)).p50;
      return `ratio of p50s ${(sx.p50 / sy.p50).toFixed(2)} (${((sx.p50 / sy.p50 - 1) * 100).toFixed(0)} % added); median per-round difference ${paired.toFixed(1)} ms (${((paired / sy.p50) * 100).toFixed(0)} % of the direct p50)`;
    };
    const check = stats(encryptionChecks);
    return [
      `bridge against Synapse (Mirage as its own process, matrix-js-sdk receiver, unencrypted portal, ${ROUNDS} rounds each, interleaved)`,
      `  web → Matrix: POST /messages until the client sees it   ${ms(a)}`,
      `  direct: a Matrix user's PUT /send until the client sees it ${ms(b)}`,
      `  web → Matrix: ${added(w2m.mirage, w2m.direct)}`,
      `    of which POST /messages answered (Markdown rendered, message and journal entry written): ${ms(stats(postAnswered))}`,
      `    an m.room.encryption GET (answered 404 in an unencrypted room; the outbox now asks once per room, not per send): ${ms(check)}`,
      `  Matrix → web: PUT /send until /api/v1/sync wakes          ${ms(c)}`,
      `  direct: the same event until another user's /sync wakes  ${ms(d)}`,
      `  Matrix → web: ${added(m2wMirage, m2wDirect)}`,
      `  ingest: ${INGEST_TRANSACTIONS} transactions of ${INGEST_EVENTS_PER_TRANSACTION} events into a portal, one in flight, to the platform store: ` +
        `${ingestRate.toFixed(0)} events/s (acknowledged at ${ackRate.toFixed(0)} events/s)`,
      `  Synapse accepting sends (${SYNAPSE_SENDS}, ${SYNAPSE_CONCURRENCY} in flight, one room): ${synapseRate.toFixed(0)} events/s`,
      `  ingest ratio Mirage / Synapse: ${(ingestRate / synapseRate).toFixed(2)} (encrypted portals: \`npm run bench -- bridgeEncrypted\`)`,
    ];
  } finally {
    for (const client of clients) stopClient(client);
    await mirage?.stop();
    await synapse?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** Resolves with the time each expected body reaches `roomId`'s timeline in `client`. */
function watchBodies(client: MatrixClient, roomId: string): (body: string) => Promise<number> {
  const waiting = new Map<string, (at: number) => void>();
  client.on(RoomEvent.Timeline, (event: MatrixEvent) => {
    if (event.getRoomId() !== roomId) return;
    const body = event.getContent().body;
    if (typeof body !== "string") return;
    const resolve = waiting.get(body);
    if (!resolve) return;
    waiting.delete(body);
    resolve(performance.now());
  });
  return (body) =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`"${body}" never arrived`)), 60_000);
      waiting.set(body, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
}

async function interleaved(a: (i: number) => Promise<number>, b: (i: number) => Promise<number>): Promise<{ mirage: number[]; direct: number[] }> {
  const mirage: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    // Alternate which goes first, so neither always follows the other's wake-up.
    let x: number;
    let y: number;
    if (i % 2 === 0) {
      x = await a(i);
      y = await b(i);
    } else {
      y = await b(i);
      x = await a(i);
    }
    if (i >= WARMUP) {
      mirage.push(x);
      direct.push(y);
    }
  }
  return { mirage, direct };
}

function stats(values: number[]): Latencies {
  const sorted = [...values].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p95: at(0.95) };
}

const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("bench setup timed out");
    await sleep(100);
  }
}
