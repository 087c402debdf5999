import { MemoryLevel } from "memory-level";
import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { ImageFetchError } from "../../src/http/fetchPublicImage.js";
import { createLogger } from "../../src/log/createLogger.js";
import { createAppserviceMetrics } from "../../src/matrix/appserviceMetrics.js";
import { AvatarImporter } from "../../src/matrix/AvatarImporter.js";
import { OutboxSender } from "../../src/matrix/OutboxSender.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { FakeHomeserver } from "../support/fakeHomeserver.js";

/* A ghost's avatar from an https URL: fetched and uploaded once per URL, remembered across restarts. */

const BOT = "@mirage:t";
const ALICE = "@mirage_alice:t";
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function setup() {
  const db = new MemoryLevel<string, unknown>() as unknown as RootLevel;
  const store = storeOver(db);
  const hs = new FakeHomeserver(BOT);
  const fetched: string[] = [];
  let uploads = 0;
  const failures = new Map<string, Error>();
  const importer = () =>
    new AvatarImporter({
      kv: storeOver(db).kv,
      fetch: async (url) => {
        fetched.push(url);
        const failure = failures.get(url);
        if (failure) throw failure;
        return { bytes: PNG, contentType: "image/png" };
      },
      upload: async () => `mxc://t/upload${++uploads}`,
    });
  const sender = (avatars = importer()) =>
    new OutboxSender(store.outbox, hs.appservice(), createLogger("silent"), createAppserviceMetrics(new Registry()), {
      budget: { maxAttempts: 3, maxAgeMs: 60_000, initialDelayMs: 0, maxDelayMs: 0 },
      mapping: store.idMapping,
      wake: () => undefined,
      avatars,
    });
  const profile = (avatarSource: string) => store.outbox.enqueue([{ op: "profile", sender: ALICE, displayName: "Alice", avatarSource }], 0);
  return { store, hs, fetched, failures, sender, profile, uploads: () => uploads };
}

describe("ghost avatars", () => {
  it("uploads an https avatar once per URL, also after a restart, and sets the ghost's avatar_url", async () => {
    const w = setup();
    await w.profile("https://img.example/a.png");
    await w.sender().drain();
    expect(w.hs.profiles.get(ALICE)).toEqual({ displayname: "Alice", avatar_url: "mxc://t/upload1" });
    // A re-sync of the same URL, then one after a restart: nothing fetched or uploaded again.
    await w.profile("https://img.example/a.png");
    await w.sender().drain();
    await w.profile("https://img.example/a.png");
    await w.sender().drain();
    expect(w.fetched).toEqual(["https://img.example/a.png"]);
    expect(w.uploads()).toBe(1);
    // A new URL is a change: uploaded once.
    await w.profile("https://img.example/b.png");
    await w.sender().drain();
    expect(w.hs.profiles.get(ALICE)?.avatar_url).toBe("mxc://t/upload2");
    expect(w.uploads()).toBe(2);
  });

  it("dead-letters an avatar the fetcher refuses, retries one whose server failed, and lets the queue go on", async () => {
    const w = setup();
    w.failures.set("https://internal.example/a.png", new ImageFetchError(400, "PRIVATE_ADDRESS", "not public"));
    w.failures.set("https://flaky.example/a.png", new ImageFetchError(502, "UNREACHABLE", "down"));
    await w.profile("https://internal.example/a.png");
    await w.profile("https://flaky.example/a.png");
    await w.store.outbox.enqueue([{ op: "profile", sender: "@mirage_carol:t", displayName: "Carol" }], 0);
    const sender = w.sender();
    await sender.drain();
    sender.stop();
    expect(await w.store.deadLetters.list(10)).toEqual([
      expect.objectContaining({ source: "outbox", eventType: "profile", sender: ALICE, error: "400 PRIVATE_ADDRESS" }),
    ]);
    const queued = await w.store.outbox.peek(10);
    expect(queued.map((e) => (e.op === "profile" ? e.avatarSource : undefined))).toEqual(["https://flaky.example/a.png"]);
    expect(queued[0]!.attempts).toBe(1);
    expect(w.hs.profiles.get("@mirage_carol:t")).toEqual({ displayname: "Carol" });
  });

  it("uses an mxc:// avatar as it is", async () => {
    const fetch = vi.fn();
    const importer = new AvatarImporter({ kv: storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel).kv, fetch, upload: vi.fn() });
    expect(await importer.mxcFor("mxc://t/abc")).toBe("mxc://t/abc");
    expect(fetch).not.toHaveBeenCalled();
  });
});
