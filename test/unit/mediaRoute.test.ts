import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { HomeserverMediaSource } from "../../src/matrix/HomeserverMediaSource.js";
import { mediaServerPolicy } from "../../src/platform/media/mediaServerPolicy.js";
import { apiHarness } from "../support/apiHarness.js";

const TOKEN = `as_token_${randomBytes(16).toString("hex")}`;
const MAX_BYTES = 64 * 1024;
/** Generous: only requests the fake homeserver holds back ever reach it, so a loaded machine cannot trip it. */
const TIMEOUT_MS = 2000;
/** Answers the fake homeserver holds back until the tests are over (slower than any timeout, by construction). */
let releaseHeld: () => void = () => {};
const held = new Promise<void>((resolve) => {
  releaseHeld = resolve;
});
const PNG = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), randomBytes(5000)]);
const DOWNLOAD = "/_matrix/client/v1/media/download";

interface Seen {
  url: string;
  authorization: string | undefined;
}


/** A homeserver's media download endpoint with canned answers, keyed by media id. */
async function fakeHomeserver(seen: Seen[], state: { streamAborted: boolean; awayHits: number }, awayUrl: () => string): Promise<FastifyInstance> {
  const hs = Fastify();
  hs.get<{ Params: { server: string; mediaId: string } }>(`${DOWNLOAD}/:server/:mediaId`, async (request, reply) => {
    seen.push({ url: request.url, authorization: request.headers.authorization });
    const matrixError = (status: number, errcode: string) => reply.code(status).send({ errcode, error: "canned" });
    switch (request.params.mediaId) {
      case "png":
        return reply
          .header("content-type", "image/png")
          .header("content-disposition", 'inline; filename="evil.html"')
          .header("set-cookie", "hs_session=1")
          .header("access-control-allow-origin", "*")
          .send(PNG);
      case "pngParams":
        return reply.header("content-type", "IMAGE/PNG; charset=binary").send(PNG);
      case "svg":
        return reply.header("content-type", "image/svg+xml").send(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'));
      case "html":
        return reply.header("content-type", "text/html; charset=utf-8").send(Buffer.from("<script>alert(1)</script>"));
      case "js":
        return reply.header("content-type", "text/javascript").send(Buffer.from("alert(1)"));
      case "missing":
        return matrixError(404, "M_NOT_FOUND");
      case "boom":
        return matrixError(500, "M_UNKNOWN");
      case "forbidden":
        return matrixError(403, "M_FORBIDDEN");
      case "remoteTooLarge":
        return matrixError(502, "M_TOO_LARGE");
      case "slow":
        await held;
        return reply.header("content-type", "image/png").send(PNG);
      case "big":
        return reply.header("content-type", "image/png").send(Buffer.alloc(MAX_BYTES + 1));
      case "exact":
        return reply.header("content-type", "image/png").send(Buffer.alloc(MAX_BYTES, 7));
      case "chunked":
        return reply.header("content-type", "image/gif").send(Readable.from([Buffer.from("GIF89a"), Buffer.from("rest")], { objectMode: false }));
      case "bigChunked": {
        let sent = 0;
        const stream = new Readable({
          read() {
            if (sent > MAX_BYTES * 20) return void this.push(null);
            sent += 8192;
            setTimeout(() => this.push(Buffer.alloc(8192, 1)), 1);
          },
        });
        stream.on("close", () => {
          state.streamAborted = sent <= MAX_BYTES * 20;
        });
        return reply.header("content-type", "image/png").send(stream);
      }
      case "short":
      case "stall": {
        reply.hijack();
        const socket = reply.raw.socket!;
        socket.write("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\n");
        socket.write(Buffer.alloc(10, 1));
        if (request.params.mediaId === "short") socket.destroy();
        else void held.then(() => socket.destroy());
        return reply;
      }
      case "redirectAway":
        return reply.redirect(`${awayUrl()}${DOWNLOAD}/example.org/png`, 307);
      case "redirectHome":
        return reply.redirect(`${DOWNLOAD}/example.org/png`, 308);
      default:
        return matrixError(400, "M_UNRECOGNIZED");
    }
  });
  await hs.listen({ host: "127.0.0.1", port: 0 });
  return hs;
}

/** A GET whose path goes on the wire as written (inject() and fetch() resolve `.` and `..` first). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}/`, { path }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

const urlOf = (app: FastifyInstance) => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

describe("GET /media/{server}/{mediaId} through HomeserverMediaSource", () => {
  const seen: Seen[] = [];
  const state = { streamAborted: false, awayHits: 0 };
  const logLines: string[] = [];
  const answers: string[] = [];
  let hs: FastifyInstance;
  let away: FastifyInstance;
  let api: Awaited<ReturnType<typeof apiHarness>>;

  const get = async (url: string, harness = api) => {
    const res = await harness.app.inject({ method: "GET", url });
    answers.push(JSON.stringify(res.headers), res.body);
    return res;
  };

  beforeAll(async () => {
    away = Fastify();
    away.all("/*", async () => {
      state.awayHits++;
      return "other host";
    });
    await away.listen({ host: "127.0.0.1", port: 0 });
    hs = await fakeHomeserver(seen, state, () => urlOf(away));
    const logger = createLogger("debug", { write: (line: string) => void logLines.push(line) });
    const source = new HomeserverMediaSource({ homeserverUrl: `${urlOf(hs)}/`, accessToken: TOKEN, logger, maxBytes: MAX_BYTES, timeoutMs: TIMEOUT_MS });
    api = await apiHarness({ logger, media: { source } });
    // Listening for the tests that need real sockets; the others use inject().
    await api.app.listen({ host: "127.0.0.1", port: 0 });
  });

  afterAll(async () => {
    releaseHeld();
    await api?.app.close();
    await hs?.close();
    await away?.close();
  });

  // Each test starts from empty records, so none depends on what another one did first.
  beforeEach(() => {
    seen.length = 0;
    logLines.length = 0;
    answers.length = 0;
    state.streamAborted = false;
    state.awayHits = 0;
  });

  it("serves the bytes with Mirage's own headers, sending the as_token as bearer", async () => {
    const res = await get("/media/example.org/png");
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(PNG)).toBe(true);
    expect(res.headers).toMatchObject({
      "content-type": "image/png",
      "content-length": String(PNG.length),
      "content-disposition": "inline",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
      "cache-control": "public, max-age=86400, immutable",
      "cross-origin-resource-policy": "cross-origin",
    });
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    expect(seen).toEqual([{ url: `${DOWNLOAD}/example.org/png`, authorization: `Bearer ${TOKEN}` }]);
  });

  it("passes an allowed type without its parameters, and percent-encodes the server name", async () => {
    const res = await get(`/media/${encodeURIComponent("[::1]:8448")}/pngParams`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("image/png");
    expect(seen.map((s) => s.url)).toEqual([`${DOWNLOAD}/%5B%3A%3A1%5D%3A8448/pngParams`]);
    expect((await get("/media/matrix.example.org:8448/png")).statusCode).toBe(200);
    expect((await get("/media/192.0.2.1/png")).statusCode).toBe(200);
  });

  it("serves SVG, HTML, JavaScript as an octet-stream attachment", async () => {
    for (const id of ["svg", "html", "js"]) {
      const res = await get(`/media/example.org/${id}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("application/octet-stream");
      expect(res.headers["content-disposition"]).toBe("attachment");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["content-security-policy"]).toBe("default-src 'none'; sandbox");
    }
  });

  it("maps the homeserver's 404 to NOT_FOUND, without the media headers", async () => {
    const res = await get("/media/example.org/missing");
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: "NOT_FOUND", message: "No such media." } });
    expect(res.headers["content-type"]).toContain("application/json");
    expect(res.headers["cache-control"]).toBeUndefined();
    expect(res.headers["content-disposition"]).toBeUndefined();
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("answers HOMESERVER_UNAVAILABLE for a 5xx, a refusal, and a homeserver too slow to answer", async () => {
    for (const id of ["boom", "forbidden"]) {
      const res = await get(`/media/example.org/${id}`);
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe("HOMESERVER_UNAVAILABLE");
    }
    // The homeserver holds its answer back until the tests are over; the watchdog answers first.
    const slow = await get("/media/example.org/slow");
    expect(slow.statusCode).toBe(503);
    expect(slow.json()).toEqual({ error: { code: "HOMESERVER_UNAVAILABLE", message: "The homeserver did not answer in time." } });
  });

  it("drops the download quietly when the reader goes away before the homeserver answers", async () => {
    const lines: string[] = [];
    const source = new HomeserverMediaSource({ homeserverUrl: urlOf(hs), accessToken: TOKEN, logger: createLogger("silent"), timeoutMs: TIMEOUT_MS * 10 });
    const quiet = await apiHarness({ logger: createLogger("debug", { write: (l: string) => void lines.push(l) }), media: { source } });
    const base = await quiet.app.listen({ host: "127.0.0.1", port: 0 });
    const client = httpRequest(`${base}/media/example.org/slow`);
    client.on("error", () => undefined);
    client.end();
    await vi.waitFor(() => expect(seen.some((s) => s.url.endsWith("/slow"))).toBe(true));
    client.destroy();
    await vi.waitFor(() => expect(lines.join("\n")).toContain("media download dropped: the client went away"));
    expect(lines.filter((l) => JSON.parse(l).level >= 50)).toEqual([]);
    await quiet.app.close();
  });

  it("answers HOMESERVER_UNAVAILABLE when nothing listens at the homeserver's address", async () => {
    const closed = Fastify();
    await closed.listen({ host: "127.0.0.1", port: 0 });
    const deadUrl = urlOf(closed);
    await closed.close();
    const source = new HomeserverMediaSource({ homeserverUrl: deadUrl, accessToken: TOKEN, logger: createLogger("silent"), timeoutMs: TIMEOUT_MS });
    const lines: string[] = [];
    const dead = await apiHarness({ media: { source }, logger: createLogger("info", { write: (l: string) => void lines.push(l) }) });
    const res = await get("/media/example.org/png", dead);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: { code: "HOMESERVER_UNAVAILABLE", message: "The homeserver could not be reached." } });
    // A known condition (/health reports it): one warning line per request, no error, no stack.
    const failed = lines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: unknown }).filter((l) => l.msg === "request failed");
    expect(failed).toEqual([expect.objectContaining({ level: 40, reason: "The homeserver could not be reached." })]);
    expect(failed[0]!.err).toBeUndefined();
    await dead.app.close();
  });

  it("refuses media over the cap by Content-Length, and while reading a body of unknown length", async () => {
    const exact = await get("/media/example.org/exact");
    expect(exact.statusCode).toBe(200);
    expect(exact.rawPayload.length).toBe(MAX_BYTES);

    const big = await get("/media/example.org/big");
    expect(big.statusCode).toBe(502);
    expect(big.json()).toEqual({ error: { code: "MEDIA_TOO_LARGE", message: `The media is larger than ${MAX_BYTES} bytes, the most Mirage serves.` } });

    const chunked = await get("/media/example.org/chunked");
    expect(chunked.statusCode).toBe(200);
    expect(chunked.body).toBe("GIF89arest");
    expect(chunked.headers["content-length"]).toBe("10");

    const bigChunked = await get("/media/example.org/bigChunked");
    expect(bigChunked.statusCode).toBe(502);
    expect(bigChunked.json().error.code).toBe("MEDIA_TOO_LARGE");
    expect(bigChunked.headers["cache-control"]).toBeUndefined();
    await expect.poll(() => state.streamAborted).toBe(true);

    const remote = await get("/media/example.org/remoteTooLarge");
    expect(remote.statusCode).toBe(502);
    expect(remote.json().error.code).toBe("MEDIA_TOO_LARGE");
  });

  it("cuts the answer off when the body breaks or stalls after it started, so it cannot pass for complete", async () => {
    for (const id of ["short", "stall"]) {
      const res = await fetch(`${urlOf(api.app)}/media/example.org/${id}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-length")).toBe("1000");
      await expect(res.arrayBuffer()).rejects.toThrow();
    }
  });

  it("follows a redirect on the homeserver itself and never one to another host", async () => {
    const home = await get("/media/example.org/redirectHome");
    expect(home.statusCode).toBe(200);
    expect(home.rawPayload.equals(PNG)).toBe(true);
    const awayRes = await get("/media/example.org/redirectAway");
    expect(awayRes.statusCode).toBe(503);
    expect(awayRes.json().error.code).toBe("HOMESERVER_UNAVAILABLE");
    expect(state.awayHits).toBe(0);
  });

  it("rejects malformed server names and media ids with 400 before any upstream request", async () => {
    const bad = [
      "/media/%2E%2E/png",
      "/media/example.org/%2E%2E",
      "/media/..%2F..%2F_synapse%2Fadmin/png",
      "/media/example.org%2Fx/png",
      "/media/example.org/a%2Fb",
      "/media/exa%20mple.org/png",
      "/media/example.org/pn%20g",
      "/media/example..org/png",
      "/media/.example.org/png",
      "/media/example.org:123456/png",
      "/media/[::1/png",
      "/media/user%40example.org/png",
      "/media/example.org/a.b",
      `/media/${"a".repeat(300)}/png`,
      `/media/example.org/${"a".repeat(256)}`,
      `/media/${"a".repeat(64)}.org/png`,
    ];
    for (const url of [...bad, "/media/../png", "/media/example.org/.."]) {
      const res = await rawGet(urlOf(api.app), url);
      answers.push(res.body);
      expect([res.status, url]).toEqual([400, url]);
      expect(JSON.parse(res.body).error.code).toBe("INVALID_INPUT");
    }
    expect(seen).toEqual([]);
  });

  it("is in the OpenAPI document, which still builds", async () => {
    const res = await get("/api/v1/openapi.json");
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().paths)).toContain("/media/{server}/{mediaId}");
  });

  it("serves one byte range (206) so players can seek, and says so on every answer", async () => {
    const ranged = async (range: string, extra: Record<string, string> = {}) => {
      const res = await api.app.inject({ method: "GET", url: "/media/example.org/png", headers: { range, ...extra } });
      return res;
    };
    expect((await get("/media/example.org/png")).headers["accept-ranges"]).toBe("bytes");
    const first = await ranged("bytes=0-9");
    expect(first.statusCode).toBe(206);
    expect(first.rawPayload.equals(PNG.subarray(0, 10))).toBe(true);
    expect(first.headers).toMatchObject({ "content-range": `bytes 0-9/${PNG.length}`, "content-length": "10", "content-type": "image/png" });
    const tail = await ranged("bytes=-5");
    expect(tail.rawPayload.equals(PNG.subarray(PNG.length - 5))).toBe(true);
    expect(tail.headers["content-range"]).toBe(`bytes ${PNG.length - 5}-${PNG.length - 1}/${PNG.length}`);
    const open = await ranged("bytes=7-");
    expect(open.rawPayload.equals(PNG.subarray(7))).toBe(true);
    const past = await ranged(`bytes=${PNG.length}-`);
    expect(past.statusCode).toBe(416);
    expect(past.headers["content-range"]).toBe(`bytes */${PNG.length}`);
    expect(past.body).toBe("");
    // Several ranges, a malformed one, or If-Range: the whole body, as RFC 9110 allows.
    for (const [range, extra] of [["bytes=0-1,4-5", {}], ["bytes=9-2", {}], ["items=0-1", {}], ["bytes=0-1", { "if-range": '"x"' }]] as const) {
      const whole = await ranged(range, extra);
      expect(whole.statusCode, range).toBe(200);
      expect(whole.rawPayload.equals(PNG), range).toBe(true);
    }
    // A body of unknown length (read whole first) slices the same way.
    const chunked = await api.app.inject({ method: "GET", url: "/media/example.org/chunked", headers: { range: "bytes=3-7" } });
    expect(chunked.statusCode).toBe(206);
    expect(chunked.body).toBe("89are");
    expect(chunked.headers["content-range"]).toBe("bytes 3-7/10");
  });

  it("serves a short range from the start of a large file", async () => {
    const res = await api.app.inject({ method: "GET", url: "/media/example.org/exact", headers: { range: "bytes=0-99" } });
    expect(res.statusCode).toBe(206);
    expect(res.rawPayload.equals(Buffer.alloc(100, 7))).toBe(true);
  });

  it("serves only the servers the policy allows, refusing others before any upstream request", async () => {
    const source = new HomeserverMediaSource({ homeserverUrl: urlOf(hs), accessToken: TOKEN, logger: createLogger("silent") });
    const local = await apiHarness({ media: { source, serves: mediaServerPolicy("Example.org", ["friends.example"]) } });
    expect((await get("/media/example.org/png", local)).statusCode).toBe(200);
    expect((await get("/media/friends.example/png", local)).statusCode).toBe(200);
    seen.length = 0;
    const refused = await get("/media/elsewhere.example/png", local);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe("FORBIDDEN");
    expect(refused.headers["cache-control"]).toBeUndefined();
    expect(seen).toEqual([]);
    const anywhere = mediaServerPolicy("example.org", ["*"]);
    expect(anywhere("elsewhere.example")).toBe(true);
    await local.app.close();
  });

  it("rate-limits per IP", async () => {
    const source = new HomeserverMediaSource({ homeserverUrl: urlOf(hs), accessToken: TOKEN, logger: createLogger("silent") });
    const limited = await apiHarness({ media: { source, perMinutePerIp: 2 } });
    expect((await get("/media/example.org/png", limited)).statusCode).toBe(200);
    expect((await get("/media/example.org/png", limited)).statusCode).toBe(200);
    const third = await get("/media/example.org/png", limited);
    expect(third.statusCode).toBe(429);
    expect(third.json().error.code).toBe("RATE_LIMITED");
    await limited.app.close();
  });

  it("never puts the as_token in logs or answers", async () => {
    for (const id of ["png", "missing", "boom", "forbidden", "slow", "big", "redirectHome", "redirectAway"]) await get(`/media/example.org/${id}`);
    await get("/media/example..org/png");
    expect(seen.length).toBeGreaterThanOrEqual(8);
    expect(seen.every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join("\n")).not.toContain(TOKEN);
    expect(answers.join("\n")).not.toContain(TOKEN);
  });
});
