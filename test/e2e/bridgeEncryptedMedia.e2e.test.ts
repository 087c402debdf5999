import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { Attachment } from '@matrix-org/matrix-sdk-crypto-nodejs';
import type { MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { createClient, registerUser, stopClient, uniqueLocalpart } from './harness/users.js';

/*
 * An image a Matrix user sends into an encrypted portal (Element's shape: the event encrypted,
 * the attachment an EncryptedFile) reaches the web as a normal message; the web user gets the
 * original bytes through Mirage, a non-member gets 404, and a file whose hash does not match is refused.
 */

const synapse = injectedSynapse();
let mirage: MirageProcess;
let bob: MatrixClient | undefined;
let bobId: string;

const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-bridge-e2ee-media-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: true, passphrase: 'e2e bridge media passphrase' } },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  const user = await registerUser(synapse, uniqueLocalpart('bob'));
  bobId = user.userId;
  bob = await createClient(synapse, user, { crypto: true });
});

afterAll(async () => {
  if (bob) stopClient(bob);
  await mirage?.stop();
});

/** Encrypts `plain` on the client as Element does and uploads only the ciphertext; the event's `file`. */
async function uploadEncrypted(client: MatrixClient, plain: Buffer): Promise<Record<string, unknown> & { url: string; hashes: { sha256: string } }> {
  const encrypted = Attachment.encrypt(new Uint8Array(plain));
  const info = JSON.parse(encrypted.mediaEncryptionInfo!) as Record<string, unknown>;
  const { content_uri: url } = await client.uploadContent(Buffer.from(encrypted.encryptedData), { type: 'application/octet-stream' });
  return { ...info, url } as Record<string, unknown> & { url: string; hashes: { sha256: string } };
}

const signUp = async (prefix: string) => {
  const name = uniqueLocalpart(prefix).toLowerCase();
  return (await requestJson<{ accessToken: string }>(api('/accounts'), { body: { username: name, password: 'correct horse battery' } })).accessToken;
};

describe('encrypted media from Matrix on the web', () => {
  it('serves the original bytes to the room, 404 to others, and refuses a tampered hash', async () => {
    const alice = await signUp('alice');
    const carol = await signUp('carol');
    const room = await requestJson<{ id: string }>(api('/rooms'), { body: { name: 'Photos', invite: [bobId] }, accessToken: alice });
    let portal: string | undefined;
    await expect.poll(() => (portal = bob!.getRooms().find((r) => r.getMyMembership() === 'invite')?.roomId), { timeout: 60_000 }).toBeDefined();
    await bob!.joinRoom(portal!);
    await expect.poll(() => bob!.getRoom(portal!)?.hasEncryptionStateEvent(), { timeout: 30_000 }).toBe(true);
    await expect
      .poll(async () => (await requestJson<{ members: { member: string; membership: string }[] }>(api(`/rooms/${room.id}`), { accessToken: alice })).members, { timeout: 30_000 })
      .toContainEqual(expect.objectContaining({ member: bobId, membership: 'join' }));

    const image = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(20_000)]);
    const file = await uploadEncrypted(bob!, image);
    await bob!.sendMessage(portal!, { msgtype: 'm.image', body: 'holiday.png', file, info: { mimetype: 'image/png', size: image.length } } as never);
    const tampered = await uploadEncrypted(bob!, image);
    await bob!.sendMessage(portal!, {
      msgtype: 'm.image',
      body: 'tampered.png',
      file: { ...tampered, hashes: { sha256: Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '') } },
      info: { mimetype: 'image/png' },
    } as never);

    type Msg = { body: string; sender: string; delivery?: unknown };
    const messages = async () => (await requestJson<{ messages: Msg[] }>(api(`/rooms/${room.id}/messages`), { accessToken: alice })).messages;
    let received: Msg[] = [];
    await expect.poll(async () => (received = (await messages()).filter((m) => m.sender === bobId)).length, { timeout: 60_000 }).toBe(2);
    const link = (name: string) => {
      const body = received.find((m) => m.body.startsWith(`![${name}]`))!.body;
      return /\((http:\/\/[^)]+\/api\/v1\/media\/encrypted\/[A-Za-z0-9_-]+)\)/.exec(body)![1]!;
    };
    // Nothing of the EncryptedFile reaches the API.
    const raw = JSON.stringify(received);
    for (const secret of [file.url, file.hashes.sha256, (file.key as { k: string }).k]) expect(raw).not.toContain(secret);

    const res = await fetch(link('holiday.png'), { headers: { authorization: `Bearer ${alice}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(image)).toBe(true);
    const part = await fetch(link('holiday.png'), { headers: { authorization: `Bearer ${alice}`, range: 'bytes=0-7' } });
    expect([part.status, Buffer.from(await part.arrayBuffer()).toString('hex')]).toEqual([206, '89504e470d0a1a0a']);

    const stranger = await fetch(link('holiday.png'), { headers: { authorization: `Bearer ${carol}` } });
    expect(stranger.status).toBe(404);
    expect(((await stranger.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');

    const bad = await fetch(link('tampered.png'), { headers: { authorization: `Bearer ${alice}` } });
    expect(bad.status).toBe(502);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('MEDIA_CORRUPT');
  });
});
