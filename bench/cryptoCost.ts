import { createRequire } from "node:module";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type * as Wasm from "@matrix-org/matrix-sdk-crypto-wasm";
import { closeAll, flushAll } from "@matrix-org/matrix-sdk-crypto-nodejs";
import { createOlmPair } from "../test/support/olmPair.js";

const wasm = createRequire(import.meta.url)("@matrix-org/matrix-sdk-crypto-wasm") as typeof Wasm;
const EVENTS = 2000;
const content = { msgtype: "m.text", body: "!mirage ping — a typical short command with a little text after it" };

/**
 * Megolm cost per event on Mirage's path (matrix-bot-sdk-facing bindings, durable store),
 * one event at a time on one core, against handling the same event as plaintext JSON.
 */
export async function benchCryptoCost(): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "mirage-bench-olm-"));
  const pair = await createOlmPair(dir);
  const roomId = new wasm.RoomId(pair.roomId);
  await pair.shareBridgeSession();

  const incoming = [];
  for (let i = 0; i < EVENTS; i++) incoming.push(JSON.stringify(await pair.peerEncrypt(content, i)));

  // Baseline: what Mirage does with a plaintext event (parse it, serialize a reply).
  let t0 = performance.now();
  for (let i = 0; i < EVENTS; i++) JSON.parse(JSON.stringify({ ...JSON.parse(incoming[i]!), content }));
  const plainUs = ((performance.now() - t0) * 1000) / EVENTS;

  t0 = performance.now();
  for (const event of incoming) await pair.bridge.decryptRoomEvent(event, roomId);
  await flushAll();
  const decryptUs = ((performance.now() - t0) * 1000) / EVENTS;

  t0 = performance.now();
  for (let i = 0; i < EVENTS; i++) await pair.bridgeEncrypt(content);
  await flushAll();
  const encryptUs = ((performance.now() - t0) * 1000) / EVENTS;

  pair.bridge.close();
  await closeAll();
  await rm(dir, { recursive: true, force: true });
  const perSecond = (us: number) => Math.round(1e6 / us).toLocaleString("en");
  return [
    `Megolm on the bridge's path, ${EVENTS} events one at a time, durable store`,
    `  decrypt: ${decryptUs.toFixed(0)} µs/event (${perSecond(decryptUs)} events/s on one core)`,
    `  encrypt (with matrix-bot-sdk's session check/rotation before each): ${encryptUs.toFixed(0)} µs/event (${perSecond(encryptUs)} events/s on one core)`,
    `  plaintext handling of the same event: ${plainUs.toFixed(1)} µs (decrypt ${(decryptUs / plainUs).toFixed(0)}x, encrypt ${(encryptUs / plainUs).toFixed(0)}x)`,
  ];
}
