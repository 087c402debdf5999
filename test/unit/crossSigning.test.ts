import { mkdtemp } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import type * as Wasm from "@matrix-org/matrix-sdk-crypto-wasm";
import { OlmMachine } from "@matrix-org/matrix-sdk-crypto-nodejs";
import type { IStorageProvider, MatrixClient } from "@vector-im/matrix-bot-sdk";
import { describe, expect, it } from "vitest";
import type { Logger } from "../../src/log/createLogger.js";
import { CrossSigning } from "../../src/matrix/crypto/CrossSigning.js";

const wasm = createRequire(import.meta.url)("@matrix-org/matrix-sdk-crypto-wasm") as typeof Wasm;
const USER = "@mirage_x:example.org";
const DEVICE = "XDEVICE";

type Call = { method: string; path: string; body: Record<string, any> };

/** A client whose crypto is a real machine and whose homeserver answers through `answer`. */
async function setup(answer: (call: Call) => unknown) {
  const machine = await OlmMachine.initialize(new wasm.UserId(USER), new wasm.DeviceId(DEVICE), await mkdtemp(path.join(tmpdir(), "mirage-xs-")), "pw");
  const calls: Call[] = [];
  const client = {
    crypto: { engine: { machine } },
    doRequest: async (method: string, p: string, _qs: unknown, body: Record<string, any>) => {
      const call = { method, path: p, body };
      calls.push(call);
      const result = answer(call);
      if (result instanceof Error) throw result;
      if (p.endsWith("/keys/upload")) return { one_time_key_counts: { signed_curve25519: 50 } };
      return result ?? {};
    },
  } as unknown as MatrixClient;
  const values = new Map<string, string>();
  const storage = {
    readValue: async (k: string) => values.get(k),
    storeValue: async (k: string, v: string) => void values.set(k, v),
  } as unknown as IStorageProvider;
  const logged: { level: string; msg: string }[] = [];
  const log = (level: string) => (_fields: unknown, msg: string) => void logged.push({ level, msg });
  const logger = { error: log("error"), warn: log("warn"), info: log("info"), debug: log("debug") } as unknown as Logger;
  const signing = () => new CrossSigning(logger, () => client);
  return { client, calls, values, storage, logged, logger, machine, signing };
}

const refusal = () => Object.assign(new Error("M_FORBIDDEN"), { statusCode: 403, errcode: "M_FORBIDDEN" });

describe("CrossSigning", () => {
  it("publishes the user's own master, self-signing and user-signing keys and signs the device with them, once", async () => {
    const { client, calls, storage, values, signing: make } = await setup(() => undefined);
    const signing = make();
    expect(await signing.ensure(client, USER, DEVICE, storage)).toBe(true);
    const upload = calls.find((c) => c.path.endsWith("/keys/device_signing/upload"))!;
    expect(Object.keys(upload.body).sort()).toEqual(["master_key", "self_signing_key", "user_signing_key"]);
    expect(upload.body.master_key).toMatchObject({ user_id: USER, usage: ["master"] });
    const selfSigning = Object.keys(upload.body.self_signing_key.keys)[0]!;
    const signatures = calls.find((c) => c.path.endsWith("/keys/signatures/upload"))!;
    // The device, signed by the self-signing key.
    expect(Object.keys(signatures.body[USER][DEVICE].signatures[USER])).toContain(selfSigning);
    expect(calls.indexOf(upload)).toBeLessThan(calls.indexOf(signatures));
    expect(values.get(`cross-signed:${DEVICE}`)).toBe("1");
    calls.length = 0;
    expect(await signing.ensure(client, USER, DEVICE, storage)).toBe(true);
    expect(calls).toEqual([]);
  });

  it("falls back to an unsigned device when the homeserver refuses, says so loudly once, and retries with the same identity", async () => {
    let refuse = true;
    const { client, calls, storage, logged, values, signing: make } = await setup((c) => (refuse && c.path.endsWith("/device_signing/upload") ? refusal() : undefined));
    const signing = make();
    expect(await signing.ensure(client, USER, DEVICE, storage)).toBe(false);
    expect(await signing.ensure(client, USER, DEVICE, storage)).toBe(false);
    expect(logged.filter((l) => l.level === "error")).toHaveLength(1);
    expect(logged.filter((l) => l.level === "debug")).toHaveLength(1);
    expect(values.has(`cross-signed:${DEVICE}`)).toBe(false);
    const firstMaster = calls.find((c) => c.path.endsWith("/device_signing/upload"))!.body.master_key.keys;
    refuse = false;
    calls.length = 0;
    expect(await signing.ensure(client, USER, DEVICE, storage)).toBe(true);
    expect(calls.find((c) => c.path.endsWith("/device_signing/upload"))!.body.master_key.keys).toEqual(firstMaster);
  });

  it("counts signature failures as a refusal, and an unavailable homeserver as a postponement", async () => {
    const failed = await setup((c) => (c.path.endsWith("/signatures/upload") ? { failures: { [USER]: { [DEVICE]: { errcode: "M_INVALID_SIGNATURE" } } } } : undefined));
    expect(await failed.signing().ensure(failed.client, USER, DEVICE, failed.storage)).toBe(false);
    expect(failed.logged.map((l) => l.level)).toContain("error");
    const down = await setup(() => Object.assign(new Error("bad gateway"), { statusCode: 502 }));
    expect(await down.signing().ensure(down.client, USER, DEVICE, down.storage)).toBe(false);
    expect(down.logged.map((l) => l.level)).toEqual(["warn"]);
  });
});
