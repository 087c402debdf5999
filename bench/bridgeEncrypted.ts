import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { MatrixClient } from "matrix-js-sdk";
import { buildRegistration, writeRegistration } from "../src/matrix/registration.js";
import { requestJson } from "../test/e2e/harness/http.js";
import { type MirageProcess, OPERATIONS_TOKEN, startMirage } from "../test/e2e/harness/mirageProcess.js";
import { freePort } from "../test/e2e/harness/ports.js";
import { type RunningSynapse, startSynapse } from "../test/e2e/harness/synapse.js";
import { createClient, registerUser, stopClient } from "../test/e2e/harness/users.js";

const MESSAGES = Number(process.env.MIRAGE_BENCH_ENCRYPTED_MESSAGES ?? 300);
const IN_FLIGHT = 8;
const WARMUP = 5;
const REPLAY_TRANSACTIONS = 5;
const REPLAY_EVENTS_PER_TRANSACTION = 100;
type Kind = "encrypted" | "unencrypted";

/**
 * Encrypted ingest against a real Synapse: a matrix-js-sdk client with its Rust crypto (as Element
 * sends) writes a burst of messages into an encrypted portal, and the same burst into an
 * unencrypted portal, alternately. Synapse hands them to Mirage in its own transactions (to-device
 * room keys included); Mirage decrypts, converts and stores them. Each burst reports how fast
 * Synapse accepted the client's sends and how fast every message reached the platform store
 * (`mirage_bridge_events_total{…outcome="applied"}`), so the figures are ratios of one run:
 * encrypted against unencrypted ingest, and ingest against Synapse's own acceptance.
 *
 * Synapse's acceptance bounds those bursts, so the same events are then replayed as the
 * homeserver's own transactions (100 events, one in flight) straight into Mirage's appservice
 * listener, under fresh event IDs: Mirage's own ingest rate, with and without decryption.
 */
export async function benchBridgeEncrypted(): Promise<string[]> {
  const work = await mkdtemp(path.join(tmpdir(), "mirage-bench-bridge-e2ee-"));
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
      return [`encrypted ingest against Synapse: skipped, no Synapse (${String(error).split("\n")[0]})`];
    }
    await mkdir(path.join(work, "mirage"));
    // The same store each time: the second start only changes whether new portals are encrypted.
    const startPortals = (encryptPortals: boolean) =>
      startMirage({
        dir: path.join(work, "mirage"),
        homeserverUrl: synapse!.url,
        serverName,
        registrationPath,
        appservicePort,
        extra: {
          encryption: { enabled: true, passphrase: "bench encrypted ingest passphrase" },
          bridge: { encryptPortals },
          logging: { level: "warn" },
          api: { rateLimits: { writesPerMinutePerAccount: 1_000_000, writeBurstPerAccount: 1_000_000 } },
        },
      });
    // The unencrypted portal is made while new portals are not encrypted, then Mirage restarts encrypting them.
    mirage = await startPortals(false);
    await mirage.waitForHealth((h) => h.status === "ok", 120_000);
    const suffix = randomBytes(3).toString("hex");
    const bobUser = await registerUser(synapse, `bob_${suffix}`);
    const bob = await createClient(synapse, bobUser, { crypto: true });
    clients.push(bob);
    const name = `alice_${suffix}`;
    const alice = await requestJson<{ accessToken: string }>(`${mirage.apiUrl}/api/v1/accounts`, { body: { username: name, password: "correct horse battery" } });
    const portals: Record<Kind, string> = { unencrypted: await portalWithBob(mirage, alice.accessToken, bob, bobUser.userId, "plain") } as Record<Kind, string>;
    await mirage.stop();
    mirage = await startPortals(true);
    await mirage.waitForHealth((h) => h.status === "ok", 120_000);
    const alice2 = await requestJson<{ accessToken: string }>(`${mirage.apiUrl}/api/v1/sessions`, { body: { username: name, password: "correct horse battery" } });
    portals.encrypted = await portalWithBob(mirage, alice2.accessToken, bob, bobUser.userId, "secret");
    if (!bob.getRoom(portals.encrypted)?.hasEncryptionStateEvent() || bob.getRoom(portals.unencrypted)?.hasEncryptionStateEvent()) {
      throw new Error("bench setup: the portals are not encrypted as intended");
    }

    const web = mirage;
    const applied = async () => {
      const text = await (await fetch(`${web.apiUrl}/metrics`, { headers: { authorization: `Bearer ${OPERATIONS_TOKEN}` } })).text();
      const line = text.split("\n").find((l) => l.startsWith('mirage_bridge_events_total{direction="to_platform",kind="message",outcome="applied"}'));
      return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
    };
    const burst = async (kind: Kind, round: number, count: number) => {
      const before = await applied();
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < count) await bob.sendTextMessage(portals[kind], `${kind} ${round} ${next++}`);
        }),
      );
      const accepted = performance.now();
      for (;;) {
        const now = await applied();
        if (now >= before + count) break;
        if (performance.now() - accepted > 120_000) throw new Error(`${kind} burst: only ${now - before} of ${count} reached the platform`);
        await sleep(50);
      }
      const done = performance.now();
      return { sentPerSecond: count / ((accepted - t0) / 1000), appliedPerSecond: count / ((done - t0) / 1000), lagMs: done - accepted };
    };
    // Warm-up: room keys shared with every ghost device and the bot, lanes and caches filled.
    await burst("encrypted", 0, WARMUP);
    await burst("unencrypted", 0, WARMUP);
    const load = loadavg()[0]!;
    const results: Record<Kind, Array<Awaited<ReturnType<typeof burst>>>> = { encrypted: [], unencrypted: [] };
    for (let round = 1; round <= 2; round++) {
      const order: Kind[] = round % 2 === 1 ? ["encrypted", "unencrypted"] : ["unencrypted", "encrypted"];
      for (const kind of order) results[kind].push(await burst(kind, round, MESSAGES));
    }
    const replay = await replayIngest({ hsUrl: synapse.url, bob: bobUser.accessToken, portals, appservicePort, hsToken: registration.hs_token, applied, suffix });
    const avg = (kind: Kind, key: "sentPerSecond" | "appliedPerSecond" | "lagMs") => mean(results[kind].map((r) => r[key]));
    const line = (kind: Kind) =>
      `  ${kind} portal: Synapse accepted the client's sends at ${avg(kind, "sentPerSecond").toFixed(0)} events/s; all in the platform store at ` +
      `${avg(kind, "appliedPerSecond").toFixed(0)} events/s (ratio ${(avg(kind, "appliedPerSecond") / avg(kind, "sentPerSecond")).toFixed(2)}), ` +
      `the last ${avg(kind, "lagMs").toFixed(0)} ms after its send was accepted`;
    return [
      `encrypted ingest against Synapse (matrix-js-sdk sender with Rust crypto, ${MESSAGES} messages per burst, ${IN_FLIGHT} in flight, 2 bursts each, alternated; load average ${load.toFixed(1)})`,
      line("encrypted"),
      line("unencrypted"),
      `  encrypted / unencrypted ingest: ${(avg("encrypted", "appliedPerSecond") / avg("unencrypted", "appliedPerSecond")).toFixed(2)}`,
      `  the same events replayed as ${REPLAY_TRANSACTIONS} transactions of ${REPLAY_EVENTS_PER_TRANSACTION}, one in flight, to the platform store: ` +
        `encrypted ${replay.encrypted.toFixed(0)} events/s, unencrypted ${replay.unencrypted.toFixed(0)} events/s; ` +
        `encrypted / unencrypted ${(replay.encrypted / replay.unencrypted).toFixed(2)}; encrypted / Synapse accepting the client's sends ${(replay.encrypted / avg("encrypted", "sentPerSecond")).toFixed(1)}×`,
    ];
  } finally {
    for (const client of clients) stopClient(client);
    await mirage?.stop();
    await synapse?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Bob's events of each portal as Synapse stores them (ciphertext in the encrypted one), pushed
 * again into the appservice listener under fresh event IDs, alternating kinds over two rounds.
 */
async function replayIngest(o: {
  hsUrl: string;
  bob: string;
  portals: Record<Kind, string>;
  appservicePort: number;
  hsToken: string;
  applied: () => Promise<number>;
  suffix: string;
}): Promise<Record<Kind, number>> {
  const total = REPLAY_TRANSACTIONS * REPLAY_EVENTS_PER_TRANSACTION;
  const stored = async (kind: Kind) => {
    const type = kind === "encrypted" ? "m.room.encrypted" : "m.room.message";
    const filter = encodeURIComponent(JSON.stringify({ types: [type], lazy_load_members: false }));
    const res = await requestJson<{ chunk: Array<Record<string, unknown>> }>(
      `${o.hsUrl}/_matrix/client/v3/rooms/${encodeURIComponent(o.portals[kind])}/messages?dir=b&limit=${total}&filter=${filter}`,
      { accessToken: o.bob },
    );
    const events = res.chunk.filter((e) => e.type === type).reverse();
    if (events.length < total) throw new Error(`replay: only ${events.length} ${kind} events stored`);
    return events.slice(0, total);
  };
  const sources: Record<Kind, Array<Record<string, unknown>>> = { encrypted: await stored("encrypted"), unencrypted: await stored("unencrypted") };
  let txn = 0;
  const round = async (kind: Kind, r: number) => {
    const before = await o.applied();
    const t0 = performance.now();
    for (let t = 0; t < REPLAY_TRANSACTIONS; t++) {
      const events = sources[kind].slice(t * REPLAY_EVENTS_PER_TRANSACTION, (t + 1) * REPLAY_EVENTS_PER_TRANSACTION).map((e, j) => {
        const { unsigned: _unsigned, ...rest } = e;
        return { ...rest, event_id: `$replay-${o.suffix}-${kind}-${r}-${t}-${j}` };
      });
      const res = await fetch(`http://127.0.0.1:${o.appservicePort}/_matrix/app/v1/transactions/replay-${o.suffix}-${++txn}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${o.hsToken}`, "content-type": "application/json" },
        body: JSON.stringify({ events }),
      });
      if (res.status !== 200) throw new Error(`replay transaction answered ${res.status}`);
    }
    for (;;) {
      const now = await o.applied();
      if (now >= before + total) break;
      if (performance.now() - t0 > 180_000) throw new Error(`replay ${kind}: only ${now - before} of ${total} reached the platform`);
      await sleep(50);
    }
    return total / ((performance.now() - t0) / 1000);
  };
  const rates: Record<Kind, number[]> = { encrypted: [], unencrypted: [] };
  for (let r = 1; r <= 2; r++) {
    const order: Kind[] = r % 2 === 1 ? ["encrypted", "unencrypted"] : ["unencrypted", "encrypted"];
    for (const kind of order) rates[kind].push(await round(kind, r));
  }
  return { encrypted: mean(rates.encrypted), unencrypted: mean(rates.unencrypted) };
}

/** A web room with Bob invited; Bob joins its portal and is a member on the platform. Returns the portal's room ID. */
async function portalWithBob(mirage: MirageProcess, accessToken: string, bob: MatrixClient, bobId: string, roomName: string): Promise<string> {
  const auth = { accessToken };
  const known = new Set(bob.getRooms().map((r) => r.roomId));
  const room = await requestJson<{ id: string }>(`${mirage.apiUrl}/api/v1/rooms`, { body: { name: roomName, invite: [bobId] }, ...auth });
  const portal = await until(() => bob.getRooms().find((r) => !known.has(r.roomId) && r.getMyMembership() === "invite")?.roomId);
  await bob.joinRoom(portal);
  await until(async () => {
    const { members } = await requestJson<{ members: { member: string; membership: string }[] }>(`${mirage.apiUrl}/api/v1/rooms/${room.id}`, auth);
    return members.some((m) => m.member === bobId && m.membership === "join") || undefined;
  });
  return portal;
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
