import { createDecipheriv, createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { MatrixClient, MatrixEvent } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiMessage, matrixTimeline, platformMessages, type RawEvent, sharedRoom, signUp, waitFor, type WebUser } from './harness/bridgeRoom.js';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { createClient, registerUser, stopClient, type TestUser, uniqueLocalpart, waitForEvent } from './harness/users.js';

/*
 * Images by URL: an image a web message links (served by a local test server that the test-only
 * allowlist lets through) reaches Matrix as a real m.image — with an mxc:// URL in a plain portal,
 * as an EncryptedFile the client decrypts and hash-checks in an encrypted one — and web pages show
 * Mirage's copy. The same image on a host:port outside the allowlist, directly or by redirect, is
 * refused: no m.image, the image server never asked.
 */

const synapse = injectedSynapse();

/** A real 5×3 RGB PNG (Synapse thumbnails what it stores). */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.concat(Array.from({ length: height }, (_, y) => Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 40 * y + 17)])));
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

const IMAGE = png(5, 3);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest();

/** The image server: the same handler on an allowlisted port and on one that is not. */
let allowed: Server;
let denied: Server;
let allowedPort: number;
let deniedPort: number;
const hits = { allowed: 0, denied: 0 };

async function listen(which: keyof typeof hits): Promise<Server> {
  const server = createServer((req, res) => {
    hits[which]++;
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/redirect') return res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    if (url.pathname.endsWith('.png')) return res.writeHead(200, { 'content-type': 'image/png', 'content-length': IMAGE.length }).end(IMAGE);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeAll(async () => {
  allowed = await listen('allowed');
  denied = await listen('denied');
  allowedPort = (allowed.address() as AddressInfo).port;
  deniedPort = (denied.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const server of [allowed, denied]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function withMirage(encrypted: boolean): Promise<MirageProcess> {
  const mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-images-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: {
      encryption: encrypted ? { enabled: true, passphrase: 'e2e image passphrase' } : { enabled: false },
      images: { fetchAllowlist: [`127.0.0.1:${allowedPort}`] },
    },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  return mirage;
}

const send = (mirage: MirageProcess, user: WebUser, roomId: string, body: string, extra: Record<string, unknown> = {}) =>
  requestJson<{ id: string }>(`${mirage.apiUrl}/api/v1/rooms/${roomId}/messages`, { body: { body, ...extra }, accessToken: user.accessToken });

const readable = (e: MatrixEvent) => !e.isEncrypted() || (e.getClearContent() !== null && !e.isDecryptionFailure());
const isImage = (e: MatrixEvent, body: string) => readable(e) && e.getContent().msgtype === 'm.image' && e.getContent().body === body;

async function download(user: TestUser, mxc: string): Promise<Buffer> {
  const response = await fetch(`${synapse.url}/_matrix/client/v1/media/download/${mxc.slice('mxc://'.length)}`, { headers: { authorization: `Bearer ${user.accessToken}` } });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe('images by URL in a plain portal', () => {
  let mirage: MirageProcess;
  let bob: MatrixClient | undefined;
  let bobUser: TestUser;

  beforeAll(async () => {
    mirage = await withMirage(false);
    bobUser = await registerUser(synapse, uniqueLocalpart('bob'));
    bob = await createClient(synapse, bobUser);
  });
  afterAll(async () => {
    if (bob) stopClient(bob);
    await mirage?.stop();
  });

  it('sends an m.image with an mxc:// URL and its info after the text, shows Mirage copy on the web, and refuses what is not allowlisted', async () => {
    const alice = await signUp(mirage, 'alice');
    const ghost = `@mirage_${alice.name}:${synapse.serverName}`;
    const { roomId, portal } = await sharedRoom(mirage, synapse, alice, bobUser);
    const imageUrl = `http://127.0.0.1:${allowedPort}/pics/cat.png`;

    const sent = await send(mirage, alice, roomId, `look at this ![a cat](${imageUrl})`);
    const text = await waitForEvent(bob!, portal, (e) => e.getSender() === ghost && e.getContent().msgtype === 'm.text', 60_000);
    const image = await waitForEvent(bob!, portal, (e) => e.getSender() === ghost && isImage(e, 'a cat'), 60_000);
    const content = image.getContent();
    expect(content.url).toMatch(/^mxc:\/\/[^/]+\/\S+$/);
    expect(content.info).toEqual({ w: 5, h: 3, mimetype: 'image/png', size: IMAGE.length });
    expect(text.getContent().body).toContain('look at this');
    expect((await download(bobUser, content.url)).equals(IMAGE)).toBe(true);

    // A thread reply's image stays in the thread.
    await send(mirage, alice, roomId, `in thread https://127.0.0.1:${allowedPort}/x.png ![dog](${imageUrl.replace('cat', 'dog')})`, { threadId: sent.id });
    const threaded = await waitForEvent(bob!, portal, (e) => isImage(e, 'dog'), 60_000);
    expect(threaded.getContent()['m.relates_to']).toMatchObject({ rel_type: 'm.thread', event_id: text.getId() });

    // On the web: Mirage's copy, never the image's own URL.
    const onWeb = (await platformMessages(mirage, roomId, alice)).find((m: ApiMessage) => m.id === sent.id)!;
    const src = /<img src="([^"]+)"/.exec(onWeb.html)?.[1]?.replace(/&amp;/g, '&');
    expect(src?.startsWith(`${mirage.apiUrl}/media/external/`)).toBe(true);
    expect(onWeb.html).not.toContain(`src="${imageUrl}`);
    expect(onWeb.html).not.toContain(`href="${imageUrl}`);
    const fromMirage = await fetch(src!);
    expect(fromMirage.status).toBe(200);
    expect(fromMirage.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await fromMirage.arrayBuffer()).equals(IMAGE)).toBe(true);

    // The same image on a host:port outside the allowlist, directly or by a redirect from an allowed host: refused.
    hits.denied = 0;
    const deniedUrl = `http://127.0.0.1:${deniedPort}/pics/cat.png`;
    const redirect = `http://127.0.0.1:${allowedPort}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${deniedPort}/r.png`)}`;
    const refusedMessage = await send(mirage, alice, roomId, `refused ![denied direct](${deniedUrl}) ![denied redirect](${redirect})`);
    await send(mirage, alice, roomId, 'after the refused images');
    await waitForEvent(bob!, portal, (e) => e.getSender() === ghost && e.getContent().body === 'after the refused images', 60_000);
    const timeline = await matrixTimeline(synapse, bobUser, portal);
    expect(timeline.filter((e) => e.content.msgtype === 'm.image').map((e) => e.content.body)).toEqual(['a cat', 'dog']);
    expect(timeline.some((e) => String(e.content.body).startsWith('refused'))).toBe(true);
    expect(hits.denied).toBe(0);
    const refusedOnWeb = (await platformMessages(mirage, roomId, alice)).find((m) => m.id === refusedMessage.id)!;
    expect(refusedOnWeb.html).not.toContain(`src="${deniedUrl}`);
    const refusedSrc = /<img src="([^"]+)"/.exec(refusedOnWeb.html)![1]!.replace(/&amp;/g, '&');
    expect((await fetch(refusedSrc)).status).toBe(404);
    expect(hits.denied).toBe(0);
  });
  it('sends a blog post image after the post and a comment image in the post thread; the post page shows Mirage copy', async () => {
    const alice = await signUp(mirage, 'blogger');
    const carol = await signUp(mirage, 'carol');
    const ghost = `@mirage_${alice.name}:${synapse.serverName}`;
    const imageUrl = `http://127.0.0.1:${allowedPort}/blog/view.png`;
    const post = await requestJson<{ id: string; html: string }>(`${mirage.apiUrl}/api/v1/blogs/${alice.name}/posts`, {
      body: { title: 'A view', body: `From the hill:\n\n![the view](${imageUrl})` },
      accessToken: alice.accessToken,
    });
    expect(post.html).toContain(`src="${mirage.apiUrl}/media/external/`);
    expect(post.html).not.toContain(`src="${imageUrl}`);
    const roomId = await waitFor('the blog room joined', async () => {
      try {
        return (await bob!.joinRoom(`#mirage_blog_${alice.name}:${synapse.serverName}`)).roomId;
      } catch {
        return undefined;
      }
    });
    const inRoom = (what: string, match: (e: RawEvent) => boolean) => waitFor(what, async () => (await matrixTimeline(synapse, bobUser, roomId)).find(match));
    const postEvent = await inRoom('the post', (e) => e.sender === ghost && (e.content['org.mirage.post'] as { id?: string } | undefined)?.id === post.id);
    const postImage = await inRoom('the post image', (e) => e.content.msgtype === 'm.image' && e.content.body === 'the view');
    expect(postImage.sender).toBe(ghost);
    expect(postImage.content.info).toEqual({ w: 5, h: 3, mimetype: 'image/png', size: IMAGE.length });
    const timeline = await matrixTimeline(synapse, bobUser, roomId);
    expect(timeline.findIndex((e) => e.event_id === postImage.event_id)).toBeGreaterThan(timeline.findIndex((e) => e.event_id === postEvent.event_id));

    await requestJson(`${mirage.apiUrl}/api/v1/posts/${post.id}/comments`, { body: { body: `me too ![my view](${imageUrl.replace('view', 'mine')})` }, accessToken: carol.accessToken });
    const commentImage = await inRoom('the comment image', (e) => e.content.msgtype === 'm.image' && e.content.body === 'my view');
    expect(commentImage.sender).toBe(`@mirage_${carol.name}:${synapse.serverName}`);
    expect(commentImage.content['m.relates_to']).toMatchObject({ rel_type: 'm.thread', event_id: postEvent.event_id });
  });
});

describe('images by URL in an encrypted portal', () => {
  let mirage: MirageProcess;
  let bob: MatrixClient | undefined;
  let bobUser: TestUser;

  beforeAll(async () => {
    mirage = await withMirage(true);
    bobUser = await registerUser(synapse, uniqueLocalpart('bob'));
    bob = await createClient(synapse, bobUser, { crypto: true });
  });
  afterAll(async () => {
    if (bob) stopClient(bob);
    await mirage?.stop();
  });

  it('sends the image as an EncryptedFile that the client downloads, hash-checks and decrypts', async () => {
    const alice = await signUp(mirage, 'alice');
    const ghost = `@mirage_${alice.name}:${synapse.serverName}`;
    const { portal } = await sharedRoom(mirage, synapse, alice, bobUser).then(async (shared) => {
      await expect.poll(() => bob!.getRoom(shared.portal)?.hasEncryptionStateEvent(), { timeout: 30_000 }).toBe(true);
      await send(mirage, alice, shared.roomId, `secret ![encrypted cat](http://127.0.0.1:${allowedPort}/secret/cat.png)`);
      return shared;
    });
    const event = await waitForEvent(bob!, portal, (e) => e.getSender() === ghost && isImage(e, 'encrypted cat'), 90_000);
    expect(event.isEncrypted()).toBe(true);
    const content = event.getContent();
    expect(content.url).toBeUndefined();
    expect(content.info).toMatchObject({ w: 5, h: 3, mimetype: 'image/png', size: IMAGE.length });
    const file = content.file as { url: string; key: { k: string; alg: string }; iv: string; hashes: { sha256: string }; v: string };
    expect(file).toMatchObject({ v: 'v2', key: { alg: 'A256CTR' } });
    const ciphertext = await download(bobUser, file.url);
    expect(sha256(ciphertext).toString('base64').replace(/=+$/, '')).toBe(file.hashes.sha256);
    expect(ciphertext.equals(IMAGE)).toBe(false);
    const decipher = createDecipheriv('aes-256-ctr', Buffer.from(file.key.k, 'base64url'), Buffer.from(file.iv, 'base64'));
    const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    expect(sha256(plain).equals(sha256(IMAGE))).toBe(true);
  });
});
