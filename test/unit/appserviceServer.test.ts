import { MemoryLevel } from "memory-level";
import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { createAppserviceMetrics } from "../../src/matrix/appserviceMetrics.js";
import { buildAppserviceServer } from "../../src/matrix/buildAppserviceServer.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";

const HS = "hs-token-for-tests";

function setup() {
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const accepted = vi.fn();
  const pinged = vi.fn();
  const app = buildAppserviceServer({
    hsToken: HS,
    inbox: store.inbox,
    logger: createLogger("silent"),
    metrics: createAppserviceMetrics(new Registry()),
    onTransactionAccepted: accepted,
    onPing: pinged,
  });
  const put = (txnId: string, payload: unknown, token: string | null = HS) =>
    app.inject({
      method: "PUT",
      url: `/_matrix/app/v1/transactions/${txnId}`,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
      payload: payload as object,
    });
  return { app, store, accepted, pinged, put };
}

const event = { type: "m.room.message", room_id: "!r:t", sender: "@u:t", event_id: "$1", content: { body: "x" } };

/** `{"a":{"a":…}}` nested `depth` levels, as raw JSON text. */
const nested = (depth: number, inner = "{}") => '{"a":'.repeat(depth) + inner + "}".repeat(depth);

describe("appservice API", () => {
  it("answers deeply nested JSON with 400 M_BAD_JSON (bounded at parse time) and stores nothing", async () => {
    const { app, store, accepted } = setup();
    const send = (payload: string) =>
      app.inject({
        method: "PUT",
        url: "/_matrix/app/v1/transactions/deep",
        headers: { authorization: `Bearer ${HS}`, "content-type": "application/json" },
        payload,
      });
    for (const depth of [101, 5000, 200_000]) {
      const deep = `{"events":[{"type":"m.room.message","room_id":"!r:t","sender":"@u:t","event_id":"$d","content":${nested(depth)}}]}`;
      const res = await send(deep);
      expect(res.statusCode, `depth ${depth}`).toBe(400);
      expect(res.json()).toMatchObject({ errcode: "M_BAD_JSON", error: expect.stringMatching(/nested deeper than 100/) });
    }
    expect(await store.inbox.pending()).toHaveLength(0);
    expect(accepted).not.toHaveBeenCalled();
    // Brackets inside strings are text, not nesting; moderate depth passes.
    const fine = { events: [{ ...event, content: { body: "[".repeat(5000) + '\\"{'.repeat(100), deep: JSON.parse(nested(90)) } }] };
    expect((await send(JSON.stringify(fine))).statusCode).toBe(200);
  });

  it("accepts transaction ids up to 255 characters and answers longer ones 400 M_INVALID_PARAM", async () => {
    const { put, store } = setup();
    expect((await put("t".repeat(255), { events: [event] })).statusCode).toBe(200);
    expect((await store.inbox.pending())[0]!.txnId).toHaveLength(255);
    for (const length of [256, 1000, 5000]) {
      const res = await put("t".repeat(length), { events: [event] });
      expect(res.statusCode, `length ${length}`).toBe(400);
      expect(res.json()).toMatchObject({ errcode: "M_INVALID_PARAM" });
    }
    expect(await store.inbox.pending()).toHaveLength(1);
  });

  it("persists a transaction before answering 200, and a replay is a no-op", async () => {
    const { put, store, accepted } = setup();
    const first = await put("t1", { events: [event] });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({});
    expect(await store.inbox.pending()).toHaveLength(1);
    const again = await put("t1", { events: [event, event] });
    expect(again.statusCode).toBe(200);
    const pending = await store.inbox.pending();
    expect(pending).toHaveLength(1);
    expect(pending[0]!.body.events).toHaveLength(1);
    expect(accepted).toHaveBeenCalledTimes(1);
    // The body goes along, so the room-encryption cache hears of m.room.encryption before the 200.
    expect(accepted.mock.calls[0]![0]).toMatchObject({ events: [event] });
  });

  it("answers 401 M_UNAUTHORIZED without a token and 403 M_FORBIDDEN with a wrong one, storing nothing", async () => {
    const { put, store } = setup();
    const missing = await put("t2", { events: [event] }, null);
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toMatchObject({ errcode: "M_UNAUTHORIZED" });
    const wrong = await put("t2", { events: [event] }, "not-the-token");
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toMatchObject({ errcode: "M_FORBIDDEN" });
    expect(await store.inbox.pending()).toHaveLength(0);
  });

  it("rejects malformed bodies with 400 and changes nothing", async () => {
    const { app, put, store, accepted } = setup();
    for (const payload of [{}, { events: "nope" }, { events: [1, 2] }, { events: [event], ephemeral: {} }]) {
      const res = await put("bad", payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json()).toMatchObject({ errcode: "M_BAD_JSON" });
    }
    const notJson = await app.inject({
      method: "PUT",
      url: "/_matrix/app/v1/transactions/bad",
      headers: { authorization: `Bearer ${HS}`, "content-type": "application/json" },
      payload: "{not json",
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toMatchObject({ errcode: "M_NOT_JSON" });
    expect(await store.inbox.pending()).toHaveLength(0);
    expect(accepted).not.toHaveBeenCalled();
    // The id was not burnt: the well-formed retry is accepted.
    expect((await put("bad", { events: [event] })).statusCode).toBe(200);
    expect(await store.inbox.pending()).toHaveLength(1);
  });

  it("answers the homeserver's ping", async () => {
    const { app, pinged } = setup();
    const res = await app.inject({
      method: "POST",
      url: "/_matrix/app/v1/ping",
      headers: { authorization: `Bearer ${HS}` },
      payload: { transaction_id: "abc" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    expect(pinged).toHaveBeenCalledWith("abc");
  });

  it("answers unknown users, aliases and routes in Matrix error form", async () => {
    const { app } = setup();
    const auth = { authorization: `Bearer ${HS}` };
    expect((await app.inject({ url: "/_matrix/app/v1/users/@mirage_x:t", headers: auth })).statusCode).toBe(404);
    expect((await app.inject({ url: "/_matrix/app/v1/rooms/%23mirage_x:t", headers: auth })).statusCode).toBe(404);
    const unknown = await app.inject({ url: "/_matrix/app/v1/nope", headers: auth });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ errcode: "M_UNRECOGNIZED" });
  });
});
