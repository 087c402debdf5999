import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { Attachment } from "@matrix-org/matrix-sdk-crypto-nodejs";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { BridgeEventHandler } from "../../src/bridge/BridgeEventHandler.js";
import { BridgeNames } from "../../src/bridge/bridgeNames.js";
import { EncryptedMediaAccess } from "../../src/bridge/EncryptedMediaAccess.js";
import { encryptedMediaId } from "../../src/bridge/encryptedMediaId.js";
import { parseRoomEvent } from "../../src/matrix/matrixEvent.js";
import { ErrorCodes, MirageError } from "../../src/platform/errors/MirageError.js";
import type { MatrixUserId } from "../../src/platform/ids.js";
import type { MediaRef } from "../../src/platform/media/MediaRef.js";
import { people } from "../../src/platform/people/people.js";
import type { MediaSource } from "../../src/platform/ports/MediaSource.js";
import { apiHarness } from "../support/apiHarness.js";

/*
 * An attachment sent into an encrypted portal: its keys stay in Mirage's store, the message links
 * a Mirage media reference, and the media route serves the decrypted bytes to the message's
 * readers only, hash-checked, with the unencrypted route's types and ranges.
 */

const PORTAL = "!portal:test.example";
const BOB = "@bob:remote.example";
const PUBLIC = "https://mirage.example";

/** A homeserver's media store of ciphertexts, by media id. */
class CiphertextSource implements MediaSource {
  readonly blobs = new Map<string, Buffer>();
  async fetch(ref: MediaRef) {
    const bytes = this.blobs.get(ref.mediaId);
    if (!bytes) throw new MirageError(ErrorCodes.notFound, "No such media.");
    return { contentType: "application/octet-stream", contentLength: bytes.length, body: Readable.from([bytes]) };
  }
}

async function world() {
  const source = new CiphertextSource();
  const h = await apiHarness({
    encryptedMedia: ({ store, chat }) => new EncryptedMediaAccess({ store: store.encryptedMedia, mapping: store.idMapping, chat, source }),
  });
  const alice = await h.signUp("alice");
  const carol = await h.signUp("carol");
  const room = (await h.json("POST", "/api/v1/rooms", { name: "portal", invite: [BOB] }, alice)).body as { id: string };
  await h.chat.join(people.matrix(BOB as MatrixUserId), room.id as never);
  await h.store.idMapping.link([{ ref: { kind: "room", id: room.id }, roomId: PORTAL, origin: "platform" }]);
  const handler = new BridgeEventHandler({
    chat: h.chat,
    reactions: h.reactions,
    rooms: h.store.rooms,
    messages: h.store.messages,
    mapping: h.store.idMapping,
    names: new BridgeNames("mirage_", "test.example"),
    ghosts: people.ghostAccounts("mirage_", "test.example"),
    botUserId: "@mirage:test.example",
    isOwnUser: (id) => id === "@mirage:test.example" || id.startsWith("@mirage_"),
    mediaUrl: (mxc) => `${PUBLIC}/media/${mxc.slice(6)}`,
    encryptedMedia: { store: h.store.encryptedMedia, url: (id) => `${PUBLIC}/api/v1/media/encrypted/${id}` },
    logger: pino({ level: "silent" }),
  });
  let n = 0;
  /** Bob's event in the portal (as decrypted); resolves with its event ID and whether it was refused. */
  const deliver = async (type: string, content: unknown, sender = BOB) => {
    const eventId = `$e${++n}`;
    const event = parseRoomEvent({ type, room_id: PORTAL, sender, event_id: eventId, origin_server_ts: n, content })!;
    const effects: unknown[] = [];
    await handler.handle(event, { send: (e) => void effects.push(e) });
    return { eventId, refused: effects.length > 0 };
  };
  /** Encrypts `plain` as a sender's client does and "uploads" the ciphertext; returns the `file` of the event. */
  const upload = (plain: Buffer) => {
    const encrypted = Attachment.encrypt(new Uint8Array(plain));
    const info = JSON.parse(encrypted.mediaEncryptionInfo!) as Record<string, unknown>;
    const mediaId = randomBytes(8).toString("hex");
    source.blobs.set(mediaId, Buffer.from(encrypted.encryptedData));
    return { ...info, url: `mxc://remote.example/${mediaId}` } as { url: string; hashes: { sha256: string } } & Record<string, unknown>;
  };
  const messages = async () => (await h.json("GET", `/api/v1/rooms/${room.id}/messages`, undefined, alice)).body.messages as Array<{ id: string; body: string }>;
  const linkOf = (body: string) => /\((https:\/\/mirage\.example(\/api\/v1\/media\/encrypted\/[A-Za-z0-9_-]+))\)/.exec(body)?.[2];
  const get = (url: string, token: string | undefined, headers: Record<string, string> = {}) =>
    h.app.inject({ method: "GET", url, headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  return { h, source, alice, carol, room, deliver, upload, messages, linkOf, get };
}

const PNG = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), randomBytes(3000)]);

describe("encrypted attachments from Matrix on the web", () => {
  it("become a normal message linking a Mirage media reference, served decrypted to the room's readers", async () => {
    const { alice, deliver, upload, messages, linkOf, get } = await world();
    const file = upload(PNG);
    const { refused } = await deliver("m.room.message", { msgtype: "m.image", body: "cat.png", file, info: { mimetype: "image/png", size: PNG.length } });
    expect(refused).toBe(false);
    const [message] = await messages();
    const path = linkOf(message!.body);
    expect(message!.body).toMatch(/^!\[cat\.png\]\(https:\/\/mirage\.example\/api\/v1\/media\/encrypted\/[A-Za-z0-9_-]{32}\)$/);
    // Neither the keys nor the ciphertext's location reach the API.
    const raw = JSON.stringify(await messages());
    for (const secret of [file.url, file.hashes.sha256, (file.key as { k: string }).k, file.iv as string]) expect(raw).not.toContain(secret);

    const res = await get(path!, alice);
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(PNG)).toBe(true);
    expect(res.headers).toMatchObject({
      "content-type": "image/png",
      "content-length": String(PNG.length),
      "x-content-type-options": "nosniff",
      "accept-ranges": "bytes",
    });
    expect(String(res.headers["cache-control"])).toMatch(/^private/);

    const range = await get(path!, alice, { range: "bytes=8-15" });
    expect(range.statusCode).toBe(206);
    expect(range.headers["content-range"]).toBe(`bytes 8-15/${PNG.length}`);
    expect(range.rawPayload.equals(PNG.subarray(8, 16))).toBe(true);
    expect((await get(path!, alice, { range: `bytes=${PNG.length}-` })).statusCode).toBe(416);
  });

  it("answers 404 to anyone who may not read the message, 401 without a session, and 404 once the message is deleted", async () => {
    const { h, alice, carol, deliver, upload, messages, linkOf, get } = await world();
    await deliver("m.room.message", { msgtype: "m.file", body: "notes.pdf", file: upload(Buffer.from("secret notes")), info: { mimetype: "application/pdf" } });
    const [message] = await messages();
    const path = linkOf(message!.body)!;
    const stranger = await get(path, carol);
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
    expect((await get(path, undefined)).statusCode).toBe(401);
    const ok = await get(path, alice);
    // Not an inline type: an attachment.
    expect([ok.statusCode, ok.headers["content-type"], ok.headers["content-disposition"], ok.body]).toEqual([200, "application/octet-stream", "attachment", "secret notes"]);
    await h.chat.delete(people.matrix(BOB as MatrixUserId), message!.id as never);
    expect((await get(path, alice)).statusCode).toBe(404);
  });

  it("refuses media whose ciphertext does not match its hash (502 MEDIA_CORRUPT), and serves nothing of it", async () => {
    const { alice, deliver, upload, messages, linkOf, get } = await world();
    const file = upload(PNG);
    const tampered = { ...file, hashes: { sha256: Buffer.alloc(32, 1).toString("base64").replace(/=+$/, "") } };
    await deliver("m.room.message", { msgtype: "m.image", body: "cat.png", file: tampered, info: { mimetype: "image/png" } });
    const [message] = await messages();
    const res = await get(linkOf(message!.body)!, alice);
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ error: { code: "MEDIA_CORRUPT" } });
    expect(res.headers["cache-control"]).toBeUndefined();
  });

  it("keeps nothing servable for an event the platform refused, and an unknown reference is 404", async () => {
    const { alice, deliver, upload, get } = await world();
    // A Matrix user who is not in the room: the platform refuses the message.
    const { refused, eventId } = await deliver("m.room.message", { msgtype: "m.image", body: "x.png", file: upload(PNG) }, "@stranger:remote.example");
    expect(refused).toBe(true);
    const id = encryptedMediaId(PORTAL, eventId);
    expect((await get(`/api/v1/media/encrypted/${id}`, alice)).statusCode).toBe(404);
    // Someone else's edit of Bob's message is refused: its attachment is not served under Bob's message.
    const original = await deliver("m.room.message", { msgtype: "m.text", body: "hello" });
    const edit = await deliver(
      "m.room.message",
      {
        msgtype: "m.image",
        body: "* y.png",
        "m.new_content": { msgtype: "m.image", body: "y.png", file: upload(PNG) },
        "m.relates_to": { rel_type: "m.replace", event_id: original.eventId },
      },
      "@stranger:remote.example",
    );
    expect(edit.refused).toBe(true);
    expect((await get(`/api/v1/media/encrypted/${encryptedMediaId(PORTAL, edit.eventId)}`, alice)).statusCode).toBe(404);
    expect((await get(`/api/v1/media/encrypted/${"A".repeat(32)}`, alice)).statusCode).toBe(404);
    expect((await get(`/api/v1/media/encrypted/not-a-reference`, alice)).statusCode).toBe(400);
  });

  it("an edit that swaps the attachment links the new one, under the edited message's rule", async () => {
    const { alice, deliver, upload, messages, linkOf, get } = await world();
    const first = await deliver("m.room.message", { msgtype: "m.image", body: "a.png", file: upload(PNG), info: { mimetype: "image/png" } });
    const other = Buffer.concat([PNG.subarray(0, 8), randomBytes(100)]);
    const file = upload(other);
    await deliver("m.room.message", {
      msgtype: "m.image",
      body: "* b.png",
      "m.new_content": { msgtype: "m.image", body: "b.png", file, info: { mimetype: "image/png" } },
      "m.relates_to": { rel_type: "m.replace", event_id: first.eventId },
    });
    const [message] = await messages();
    expect(message!.body).toMatch(/^!\[b\.png\]/);
    const res = await get(linkOf(message!.body)!, alice);
    expect([res.statusCode, res.rawPayload.equals(other)]).toEqual([200, true]);
  });

  it("is documented in OpenAPI with every status it answers, behind bearer auth", async () => {
    const { h } = await world();
    const doc = (await h.app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
    };
    const op = doc.paths["/api/v1/media/encrypted/{mediaId}"]?.get;
    expect(Object.keys(op?.responses ?? {}).sort()).toEqual(["200", "206", "400", "401", "404", "416", "429", "502", "503"]);
    expect(op?.security).toEqual([{ bearer: [] }]);
  });
});
