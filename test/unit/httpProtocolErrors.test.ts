import net from "node:net";
import { MemoryLevel } from "memory-level";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { createAppserviceMetrics } from "../../src/matrix/appserviceMetrics.js";
import { buildAppserviceServer } from "../../src/matrix/buildAppserviceServer.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { apiHarness } from "../support/apiHarness.js";

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** Sends bytes exactly as written (no client library normalizes the method or limits the size) and parses the answer. */
function raw(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const [head = "", body = ""] = text.split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const status = Number(statusLine.split(" ")[1]);
      if (!status) return reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      resolve({ status, headers, body: body === "" ? undefined : JSON.parse(body) });
    });
  });
}

const request = (method: string, path: string, extraHeaders = "") => `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n${extraHeaders}Connection: close\r\n\r\n`;
const bigHeader = `X-Filler: ${"x".repeat(20_000)}\r\n`;

describe("the JSON API's answers to requests no route handles", () => {
  let h: Awaited<ReturnType<typeof apiHarness>>;
  let port: number;

  beforeAll(async () => {
    h = await apiHarness();
    const base = await h.app.listen({ host: "127.0.0.1", port: 0 });
    port = Number(new URL(base).port);
  });
  afterAll(async () => {
    await h.app.close();
  });

  it("answers TRACE and other unrouted methods on a known path 405 with Allow, in the error shape", async () => {
    for (const [method, path, allow] of [
      ["TRACE", "/api/v1/rooms", ["GET", "HEAD", "POST"]],
      ["PROPFIND", "/api/v1/posts/p_AAAAAAAAAAAAAAAA", ["DELETE", "GET", "HEAD", "PATCH"]],
      ["PUT", "/health", ["GET", "HEAD"]],
      ["TRACE", "/api/v1/messages/m_AAAAAAAAAAAAAAAA/reactions/%F0%9F%91%8D?x=1", ["DELETE", "PUT"]],
    ] as const) {
      const res = await raw(port, request(method, path));
      expect([method, path, res.status]).toEqual([method, path, 405]);
      expect(res.headers.allow?.split(", ")).toEqual(allow);
      expect(res.body).toEqual({ error: { code: "METHOD_NOT_ALLOWED", message: expect.any(String) } });
    }
  });

  it("answers a method Node's parser does not know 405 on a known path and 400 elsewhere, in the error shape", async () => {
    const known = await raw(port, request("FOO", "/health"));
    expect(known.status).toBe(405);
    expect(known.headers.allow).toBe("GET, HEAD");
    expect(known.body.error.code).toBe("METHOD_NOT_ALLOWED");
    const unknown = await raw(port, request("FOO", "/nowhere"));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("INVALID_INPUT");
  });

  it("keeps 404 for unknown paths, whatever the method", async () => {
    for (const method of ["GET", "TRACE", "DELETE"]) {
      const res = await raw(port, request(method, "/api/v1/nothing-here"));
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
      expect(res.headers.allow).toBeUndefined();
    }
  });

  it("answers 431 for header fields too large and 414 for a path segment too long, in the error shape", async () => {
    const headers = await raw(port, request("GET", "/health", bigHeader));
    expect(headers.status).toBe(431);
    expect(headers.body).toEqual({ error: { code: "REQUEST_TOO_LARGE", message: expect.any(String) } });
    const uri = await raw(port, request("GET", `/api/v1/users/${"a".repeat(5000)}`));
    expect(uri.status).toBe(414);
    expect(uri.body).toEqual({ error: { code: "REQUEST_TOO_LARGE", message: expect.any(String) } });
  });

  it("answers a malformed request 400 in the error shape", async () => {
    const res = await raw(port, "GET /health HTTP/1.1\r\nHost localhost\r\n\r\n");
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: "INVALID_INPUT", message: expect.any(String) } });
  });
});

describe("the appservice listener's answers to oversized requests", () => {
  const app = buildAppserviceServer({
    hsToken: "hs",
    inbox: storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel).inbox,
    logger: createLogger("silent"),
    metrics: createAppserviceMetrics(new Registry()),
    onTransactionAccepted: () => undefined,
    onPing: () => undefined,
  });
  let port: number;

  beforeAll(async () => {
    port = Number(new URL(await app.listen({ host: "127.0.0.1", port: 0 })).port);
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers another method on a known endpoint 405 M_UNRECOGNIZED with Allow, and unknown paths 404", async () => {
    const auth = "Authorization: Bearer hs\r\n";
    for (const method of ["TRACE", "GET", "FOO"]) {
      const res = await raw(port, request(method, "/_matrix/app/v1/transactions/t1", auth));
      expect([method, res.status]).toEqual([method, 405]);
      expect(res.headers.allow).toBe("PUT");
      expect(res.body).toEqual({ errcode: "M_UNRECOGNIZED", error: expect.any(String) });
    }
    const unknown = await raw(port, request("TRACE", "/_matrix/app/v1/nothing", auth));
    expect(unknown.status).toBe(404);
    expect(unknown.body.errcode).toBe("M_UNRECOGNIZED");
  });

  it("uses the Matrix error shape for 431, and for a transaction id longer than 255 characters", async () => {
    const headers = await raw(port, request("PUT", "/_matrix/app/v1/transactions/t1", `Authorization: Bearer hs\r\n${bigHeader}`));
    expect(headers.status).toBe(431);
    expect(headers.body).toEqual({ errcode: "M_TOO_LARGE", error: expect.any(String) });
    const uri = await raw(port, request("PUT", `/_matrix/app/v1/transactions/${"t".repeat(5000)}`, "Authorization: Bearer hs\r\nContent-Type: application/json\r\nContent-Length: 13\r\n").replace(/\r\n\r\n$/, '\r\n\r\n{"events":[]}'));
    // Path segments may be long here (transaction ids up to 255), so the schema answers before the router would 414.
    expect(uri.status).toBe(400);
    expect(uri.body).toEqual({ errcode: "M_INVALID_PARAM", error: expect.any(String) });
  });
});
