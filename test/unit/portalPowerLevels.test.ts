import { MemoryLevel } from "memory-level";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { createAppserviceMetrics } from "../../src/matrix/appserviceMetrics.js";
import { OutboxSender } from "../../src/matrix/OutboxSender.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { FakeHomeserver } from "../support/fakeHomeserver.js";

/* A portal's creator keeps its power whatever the room version: an owner from version 12, listed at 100 before. */

const BOT = "@mirage:t";
const ALICE = "@mirage_alice:t";

async function createdWith(options: { defaultRoomVersion?: string; roomVersion?: string }) {
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const hs = new FakeHomeserver(BOT);
  hs.defaultRoomVersion = options.defaultRoomVersion;
  const sender = new OutboxSender(store.outbox, hs.appservice(), createLogger("silent"), createAppserviceMetrics(new Registry()), {
    budget: { maxAttempts: 3, maxAgeMs: 60_000, initialDelayMs: 0, maxDelayMs: 0 },
    mapping: store.idMapping,
    wake: () => undefined,
  });
  await store.outbox.enqueue(
    [
      {
        op: "createRoom",
        sender: BOT,
        room: { kind: "room", id: "r1" },
        alias: "mirage_r1",
        ...(options.roomVersion ? { roomVersion: options.roomVersion } : {}),
        powerLevels: { users: { [ALICE]: 100 }, invite: 50 },
      },
    ],
    0,
  );
  await sender.drain();
  return hs.rooms.get(hs.aliases.get("#mirage_r1:t")!)!.createBody.power_level_content_override;
}

describe("portal power levels", () => {
  it("leaves the creator out of users in room version 12 (it owns the room)", async () => {
    expect(await createdWith({ defaultRoomVersion: "12" })).toEqual({ users: { [ALICE]: 100 }, invite: 50 });
  });

  it("lists the creator at 100 in earlier versions, where the override replaces the default users", async () => {
    expect(await createdWith({ defaultRoomVersion: "10" })).toEqual({ users: { [BOT]: 100, [ALICE]: 100 }, invite: 50 });
    expect(await createdWith({ defaultRoomVersion: "12", roomVersion: "11" })).toEqual({ users: { [BOT]: 100, [ALICE]: 100 }, invite: 50 });
  });

  it("changes nothing when the homeserver does not tell its default", async () => {
    expect(await createdWith({})).toEqual({ users: { [ALICE]: 100 }, invite: 50 });
  });
});
