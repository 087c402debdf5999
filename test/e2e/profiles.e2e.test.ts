import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiMessage, sharedRoom, signUp, type WebUser } from './harness/bridgeRoom.js';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { createClient, registerUser, stopClient, type TestUser, uniqueLocalpart } from './harness/users.js';

/*
 * A Matrix user's display name and avatar, set in their client, appear beside what they write on
 * the web; renaming themselves in Matrix renames them on the web through the member events the
 * homeserver sends, long before any cache would expire.
 */

const synapse = injectedSynapse();
let mirage: MirageProcess;
let bob: MatrixClient | undefined;
let bobUser: TestUser;
let alice: WebUser;

interface ProfiledMessage extends ApiMessage {
  senderProfile: { displayName: string; avatarUrl?: string };
}

/** A valid 8×1 greyscale PNG. */
function png(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(8, 0);
  header.writeUInt32BE(1, 4);
  header.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat([Buffer.from([0]), randomBytes(8)]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-profiles-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: false } },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  bobUser = await registerUser(synapse, uniqueLocalpart('bob'));
  bob = await createClient(synapse, bobUser);
  alice = await signUp(mirage, 'alice');
});

afterAll(async () => {
  if (bob) stopClient(bob);
  await mirage?.stop();
});

describe("a Matrix user's profile on the web", () => {
  it('shows their display name and avatar beside their messages, and follows a rename made in Matrix', async () => {
    const avatar = png();
    const { content_uri: mxc } = await bob!.uploadContent(avatar, { type: 'image/png', name: 'bob.png' });
    await bob!.setDisplayName('Bob Tester');
    await bob!.setAvatarUrl(mxc);

    const { roomId, portal } = await sharedRoom(mirage, synapse, alice, bobUser);
    await bob!.sendMessage(portal, { msgtype: 'm.text', body: 'hello from Element' } as never);
    const messages = async () =>
      (await requestJson<{ messages: ProfiledMessage[] }>(`${mirage.apiUrl}/api/v1/rooms/${roomId}/messages`, { accessToken: alice.accessToken })).messages;
    const fromBob = async () => (await messages()).find((m) => m.sender === bobUser.userId);
    await expect.poll(async () => (await fromBob())?.senderProfile.displayName, { timeout: 30_000 }).toBe('Bob Tester');

    // The avatar is Mirage's media route for the mxc, never the homeserver's URL, and serves the bytes uploaded.
    const [server, mediaId] = mxc.slice('mxc://'.length).split('/');
    const avatarUrl = (await fromBob())!.senderProfile.avatarUrl!;
    expect(avatarUrl).toBe(`${mirage.apiUrl}/media/${encodeURIComponent(server!)}/${encodeURIComponent(mediaId!)}`);
    expect(avatarUrl.startsWith(synapse.url)).toBe(false);
    const image = await fetch(avatarUrl, { signal: AbortSignal.timeout(30_000) });
    expect(image.status).toBe(200);
    expect(Buffer.from(await image.arrayBuffer()).equals(avatar)).toBe(true);

    // Web users look alike: the same field from their account's profile.
    await requestJson(`${mirage.apiUrl}/api/v1/me/profile`, { method: 'PATCH', body: { displayName: 'Alice Web' }, accessToken: alice.accessToken });
    await requestJson(`${mirage.apiUrl}/api/v1/rooms/${roomId}/messages`, { body: { body: 'hi bob' }, accessToken: alice.accessToken });
    await expect.poll(async () => (await messages()).find((m) => m.sender === alice.name)?.senderProfile, { timeout: 30_000 }).toEqual({ displayName: 'Alice Web' });

    // A rename in Matrix reaches the page through the member event (the cached profile is hours from stale).
    await bob!.setDisplayName('Bob Renamed');
    await expect.poll(async () => (await fromBob())?.senderProfile.displayName, { timeout: 30_000 }).toBe('Bob Renamed');
    expect((await fromBob())!.senderProfile.avatarUrl).toBe(avatarUrl);
  });
});
