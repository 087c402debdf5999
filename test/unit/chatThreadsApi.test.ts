import { describe, expect, it } from "vitest";
import { asMessageId } from "../../src/platform/ids.js";
import { apiHarness } from "../support/apiHarness.js";

/* Threads, kinds, delivery state and join rules as the JSON API shows them. */

async function setup() {
  const h = await apiHarness();
  const alice = await h.signUp("alice");
  const bob = await h.signUp("bob");
  const room = (await h.json("POST", "/api/v1/rooms", { name: "General", invite: ["bob"] }, alice)).body;
  await h.json("POST", `/api/v1/rooms/${room.id}/join`, undefined, bob);
  return { ...h, alice, bob, room };
}

describe("threads, kinds and delivery through the API", () => {
  it("sends into threads, lists the main timeline with summaries and a thread with its root last (each page cached apart)", async () => {
    const { json, alice, bob, room } = await setup();
    const url = `/api/v1/rooms/${room.id}/messages`;
    const root = (await json("POST", url, { body: "root" }, alice)).body;
    expect(root).toMatchObject({ kind: "text", deleted: false });
    expect(root.threadId).toBeUndefined();
    const reply = await json("POST", url, { body: "in thread", threadId: root.id, kind: "emote" }, bob);
    expect(reply).toMatchObject({ status: 201, body: { threadId: root.id, kind: "emote" } });
    const answer = (await json("POST", url, { body: "answer", parentId: reply.body.id }, alice)).body;
    expect(answer).toMatchObject({ threadId: root.id, parentId: reply.body.id, kind: "text" });

    const main = await json("GET", url, undefined, bob);
    expect(main.body.messages.map((m: { body: string }) => m.body)).toEqual(["root"]);
    expect(main.body.messages[0].threadSummary).toEqual({ count: 2, latestId: answer.id });
    const thread = await json("GET", `${url}?threadId=${root.id}`, undefined, bob);
    expect(thread.body).toMatchObject({ nextBefore: null });
    expect(thread.body.messages.map((m: { body: string }) => m.body)).toEqual(["answer", "in thread", "root"]);
    expect((await json("GET", `${url}?threadId=${reply.body.id}`, undefined, bob)).status).toBe(404);
    expect((await json("POST", url, { body: "x", threadId: answer.id }, bob)).body.error.code).toBe("INVALID_INPUT");
    expect((await json("POST", url, { body: "x", kind: "shout" }, bob)).status).toBe(400);
  });

  it("shows a delivery failure on the message", async () => {
    const { json, chat, alice, room } = await setup();
    const sent = (await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "refused by Matrix" }, alice)).body;
    await chat.markDeliveryFailed(asMessageId(sent.id), "M_FORBIDDEN");
    const [listed] = (await json("GET", `/api/v1/rooms/${room.id}/messages`, undefined, alice)).body.messages;
    expect(listed.delivery).toEqual({ state: "failed", reason: "M_FORBIDDEN", at: expect.stringMatching(/^\d{4}-/) });
  });

  it("creates public rooms that anyone joins; rooms say their join rule", async () => {
    const { json, alice, bob, room } = await setup();
    expect(room.joinRule).toBe("invite");
    const open = (await json("POST", "/api/v1/rooms", { name: "Open", joinRule: "public" }, alice)).body;
    expect(open.joinRule).toBe("public");
    const joined = await json("POST", `/api/v1/rooms/${open.id}/join`, undefined, bob);
    expect(joined).toMatchObject({ status: 200, body: { membership: "join", joinRule: "public" } });
    expect((await json("POST", "/api/v1/rooms", { name: "x", joinRule: "knock" }, alice)).status).toBe(400);
  });
});
