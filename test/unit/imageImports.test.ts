import { MemoryLevel } from "memory-level";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ImageFetchError, type PublicImage } from "../../src/http/fetchPublicImage.js";
import { createLogger } from "../../src/log/createLogger.js";
import { createAppserviceMetrics } from "../../src/matrix/appserviceMetrics.js";
import { ImageImporter, imageUrlHash } from "../../src/matrix/ImageImporter.js";
import { OutboxSender } from "../../src/matrix/OutboxSender.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { FakeHomeserver } from "../support/fakeHomeserver.js";

/* Images by URL: fetched and uploaded once per URL, refusals remembered briefly, sent as m.image or skipped. */

const BOT = "@mirage:t";
const ALICE = "@mirage_alice:t";
const IMAGE: PublicImage = { bytes: Buffer.alloc(1234, 7), contentType: "image/png", width: 640, height: 480 };

function setup() {
  const db = new MemoryLevel<string, unknown>() as unknown as RootLevel;
  const store = storeOver(db);
  const hs = new FakeHomeserver(BOT);
  const fetched: string[] = [];
  const counted: string[] = [];
  const lines: string[] = [];
  let uploads = 0;
  let now = 1_000_000;
  const failures = new Map<string, Error>();
  let release: (() => void) | undefined;
  const importer = () =>
    new ImageImporter({
      kv: storeOver(db).kv,
      fetch: async (url) => {
        fetched.push(url);
        if (release) await new Promise<void>((resolve) => (release = resolve));
        const failure = failures.get(url);
        if (failure) throw failure;
        return IMAGE;
      },
      upload: async () => `mxc://t/upload${++uploads}`,
      negativeTtlMs: 60_000,
      logger: createLogger("debug", { write: (line: string) => void lines.push(line) }),
      count: (result) => counted.push(result),
      now: () => now,
    });
  const sender = (images = importer()) =>
    new OutboxSender(store.outbox, hs.appservice(), createLogger("silent"), createAppserviceMetrics(new Registry()), {
      budget: { maxAttempts: 3, maxAgeMs: 60_000, initialDelayMs: 0, maxDelayMs: 0 },
      mapping: store.idMapping,
      wake: () => undefined,
      images,
    });
  return {
    store,
    hs,
    fetched,
    counted,
    lines,
    failures,
    importer,
    sender,
    uploads: () => uploads,
    advance: (ms: number) => (now += ms),
    hold: () => (release = () => undefined),
    releaseHeld: () => release?.(),
  };
}

describe("ImageImporter", () => {
  it("fetches and uploads a URL once, also after a restart, keeping the mxc and the image's facts", async () => {
    const w = setup();
    const url = "https://img.example/cat.png";
    const expected = { image: { mxc: "mxc://t/upload1", mimetype: "image/png", size: 1234, width: 640, height: 480 } };
    expect(await w.importer().imported(url)).toEqual(expected);
    expect(await w.importer().imported(url)).toEqual(expected);
    expect(w.fetched).toEqual([url]);
    expect(w.uploads()).toBe(1);
    expect(w.counted).toEqual(["fetched", "cached"]);
  });

  it("shares one fetch between concurrent requests for a URL", async () => {
    const w = setup();
    const importer = w.importer();
    w.hold();
    const both = Promise.all([importer.imported("https://img.example/a.png"), importer.imported("https://img.example/a.png")]);
    await new Promise((resolve) => setImmediate(resolve));
    w.releaseHeld();
    const [a, b] = await both;
    expect(a).toEqual(b);
    expect(w.fetched).toHaveLength(1);
    expect(w.uploads()).toBe(1);
  });

  it("remembers a refusal for a while, then tries again; logs the URL's hash, never the URL", async () => {
    const w = setup();
    const url = "https://secret-host.example/private.png?token=abc";
    w.failures.set(url, new ImageFetchError(400, "PRIVATE_ADDRESS", "not public"));
    expect(await w.importer().imported(url)).toEqual({ refused: "PRIVATE_ADDRESS" });
    expect(await w.importer().imported(url)).toEqual({ refused: "PRIVATE_ADDRESS" });
    expect(w.fetched).toHaveLength(1);
    w.advance(60_001);
    w.failures.delete(url);
    expect(await w.importer().imported(url)).toMatchObject({ image: { mxc: "mxc://t/upload1" } });
    expect(w.fetched).toHaveLength(2);
    expect(w.counted).toEqual(["refused", "cached", "fetched"]);
    const log = w.lines.join("\n");
    expect(log).toContain(imageUrlHash(url));
    expect(log).not.toContain("secret-host");
    expect(log).not.toContain("token=abc");
  });

  it("counts a remote failure apart from a refusal, and an unexpected error as a failure", async () => {
    const w = setup();
    w.failures.set("https://down.example/a.png", new ImageFetchError(502, "UNREACHABLE", "down"));
    w.failures.set("https://odd.example/a.png", new Error("boom"));
    expect(await w.importer().imported("https://down.example/a.png")).toEqual({ refused: "UNREACHABLE" });
    expect(await w.importer().imported("https://odd.example/a.png")).toEqual({ refused: "UNREACHABLE" });
    expect(w.counted).toEqual(["failed", "failed"]);
  });
});

describe("outbox sendImage", () => {
  it("sends an m.image with the image's facts, from the sender, in the relation given", async () => {
    const w = setup();
    const room = w.hs.addRoom([ALICE]);
    await w.store.outbox.enqueue([{ op: "send", sender: ALICE, roomId: room, eventType: "m.room.message", content: { msgtype: "m.text", body: "look" }, ref: { kind: "message", id: "m1" } }], 0);
    await w.store.outbox.enqueue([{ op: "sendImage", sender: ALICE, roomId: room, url: "https://img.example/cat.png", body: "a cat", relation: { type: "reply", to: { kind: "message", id: "m1" } } }], 0);
    await w.sender().drain();
    const [text, image] = w.hs.eventsIn(room);
    expect(image).toMatchObject({
      sender: ALICE,
      type: "m.room.message",
      content: {
        msgtype: "m.image",
        body: "a cat",
        url: "mxc://t/upload1",
        info: { w: 640, h: 480, mimetype: "image/png", size: 1234 },
        "m.relates_to": { "m.in_reply_to": { event_id: text!.eventId } },
      },
    });
  });

  it("skips an image that cannot be fetched (nothing dead-lettered) and goes on with the room", async () => {
    const w = setup();
    const room = w.hs.addRoom([ALICE]);
    w.failures.set("https://127.0.0.1/a.png", new ImageFetchError(400, "PRIVATE_ADDRESS", "not public"));
    await w.store.outbox.enqueue([{ op: "sendImage", sender: ALICE, roomId: room, url: "https://127.0.0.1/a.png", body: "a.png" }], 0);
    await w.store.outbox.enqueue([{ op: "send", sender: ALICE, roomId: room, eventType: "m.room.message", content: { msgtype: "m.text", body: "after" } }], 0);
    await w.sender().drain();
    expect(w.hs.eventsIn(room).map((e) => e.content.body)).toEqual(["after"]);
    expect(await w.store.deadLetters.count()).toBe(0);
    expect(await w.store.outbox.size()).toBe(0);
  });

  it("refuses an image operation shaped as an edit or a reaction", async () => {
    const w = setup();
    await expect(
      w.store.outbox.enqueue([{ op: "sendImage", sender: ALICE, roomId: "!r:t", url: "https://img.example/a.png", body: "a", relation: { type: "edit", target: { kind: "message", id: "m1" } } }], 0),
    ).rejects.toThrow(/new message/);
  });
});
