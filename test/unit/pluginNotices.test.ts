import { describe, expect, it } from "vitest";
import { pluginNoticePublisher } from "../../src/plugins/pluginNoticePublisher.js";
import { apiHarness } from "../support/apiHarness.js";

describe("plugin notices", () => {
  it("reach the room's readers through sync, resolved from the Matrix room, and nobody else", async () => {
    const h = await apiHarness();
    const alice = await h.signUp("alice");
    const bob = await h.signUp("bob");
    const carol = await h.signUp("carol");
    const room = (await h.json("POST", "/api/v1/rooms", { name: "Calls", invite: ["bob"] }, alice)).body;
    await h.json("POST", `/api/v1/rooms/${room.id}/members`, { handle: "bob" }, bob);
    await h.store.idMapping.link([{ ref: { kind: "room", id: room.id }, roomId: "!portal:test.example", origin: "platform" }]);
    const since = async (token: string) => (await h.json("GET", "/api/v1/sync?timeout=0", undefined, token)).body.next as string;
    const positions = { alice: await since(alice), bob: await since(bob), carol: await since(carol) };

    const publish = pluginNoticePublisher({ mapping: h.store.idMapping, chat: h.chat, hub: h.hub, now: () => Date.UTC(2026, 0, 2) });
    await publish({ matrixRoomId: "!portal:test.example" }, { plugin: "jitsi", name: "call.started", payload: { widgetId: "w1", nested: { ok: [1, 2] } } });
    await publish({ matrixRoomId: "!unknown:test.example" }, { plugin: "jitsi", name: "call.started", payload: {} });
    await publish({ blog: "alice" }, { plugin: "jitsi", name: "call.started", payload: {} });

    const synced = async (token: string, from: string) => (await h.json("GET", `/api/v1/sync?since=${encodeURIComponent(from)}&timeout=0`, undefined, token)).body.events;
    const expected = {
      kind: "plugin.event",
      roomId: room.id,
      data: { type: "plugin.event", roomId: room.id, plugin: "jitsi", name: "call.started", payload: { widgetId: "w1", nested: { ok: [1, 2] } }, at: "2026-01-02T00:00:00.000Z" },
    };
    expect(await synced(alice, positions.alice)).toEqual([expected]);
    expect(await synced(bob, positions.bob)).toEqual([expected]);
    expect(await synced(carol, positions.carol)).toEqual([]);
  });
});
