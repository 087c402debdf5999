import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EventType, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { EventShieldColour } from 'matrix-js-sdk/lib/crypto-api/index.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { createClient, registerUser, stopClient, uniqueLocalpart, waitForEvent } from './harness/users.js';

/*
 * An encrypted portal: the Matrix user's client (matrix-js-sdk, Rust crypto) decrypts each ghost
 * message, sent by the ghost's own cross-signed device with no warning; what the Matrix user
 * sends reaches the web in clear; the homeserver's database holds neither side's words.
 */

const synapse = injectedSynapse();
let mirage: MirageProcess;
let bob: MatrixClient | undefined;
let bobId: string;

const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;
const readable = (e: MatrixEvent) => !e.isEncrypted() || (e.getClearContent() !== null && !e.isDecryptionFailure());

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-bridge-e2ee-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: true, passphrase: 'e2e bridge crypto passphrase' } },
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

/** Every byte Synapse keeps in its sqlite database, WAL included. */
async function synapseDatabaseBytes(): Promise<Buffer> {
  const dbPath = inject('synapseDbPath');
  if (!dbPath) throw new Error('needs the suite-managed Synapse');
  const dir = dirname(dbPath);
  const files = (await readdir(dir)).filter((f) => f.startsWith(dbPath.split('/').pop()!));
  return Buffer.concat(await Promise.all(files.map((f) => readFile(join(dir, f)))));
}

describe('an encrypted portal', () => {
  it('carries messages, replies, edits, reactions and deletions both ways, ghosts on their own cross-signed devices, nothing readable on the homeserver', async () => {
    const name = uniqueLocalpart('alice').toLowerCase();
    const alice = await requestJson<{ accessToken: string }>(api('/accounts'), { body: { username: name, password: 'correct horse battery' } });
    const auth = { accessToken: alice.accessToken };
    const ghost = `@mirage_${name}:${synapse.serverName}`;
    const room = await requestJson<{ id: string }>(api('/rooms'), { body: { name: 'Secret talk', invite: [bobId] }, ...auth });

    let portal: string | undefined;
    await expect.poll(() => (portal = bob!.getRooms().find((r) => r.getMyMembership() === 'invite')?.roomId), { timeout: 60_000 }).toBeDefined();
    await bob!.joinRoom(portal!);
    await expect.poll(() => bob!.getRoom(portal!)?.hasEncryptionStateEvent(), { timeout: 30_000 }).toBe(true);
    await expect
      .poll(async () => (await requestJson<{ members: { member: string; membership: string }[] }>(api(`/rooms/${room.id}`), auth)).members, { timeout: 30_000 })
      .toContainEqual(expect.objectContaining({ member: bobId, membership: 'join' }));

    // Web → Matrix, encrypted by the ghost's own device, cross-signed by the ghost: no shield.
    const webMarker = `web-marker-${randomBytes(8).toString('hex')}`;
    const sent = await requestJson<{ id: string }>(api(`/rooms/${room.id}/messages`), { body: { body: webMarker }, ...auth });
    const event = await waitForEvent(bob!, portal!, (e) => e.getSender() === ghost && readable(e) && e.getContent().body === webMarker, 60_000);
    expect(event.isEncrypted()).toBe(true);
    const crypto = bob!.getCrypto()!;
    const ghostDevices = (await crypto.getUserDeviceInfo([ghost], true)).get(ghost)!;
    const device = [...ghostDevices.values()].find((d) => d.getIdentityKey() === event.getSenderKey());
    expect(device, 'the ghost has a device of its own that sent the event').toBeDefined();
    const botId = `@mirage:${synapse.serverName}`;
    const botKeys = [...((await crypto.getUserDeviceInfo([botId], true)).get(botId)?.values() ?? [])].map((d) => d.getIdentityKey());
    expect(botKeys).not.toContain(event.getSenderKey());
    await expect.poll(async () => (await crypto.getDeviceVerificationStatus(ghost, device!.deviceId))?.signedByOwner, { timeout: 30_000 }).toBe(true);
    await expect
      .poll(async () => (await crypto.getEncryptionInfoForEvent(event))?.shieldColour, { timeout: 30_000 })
      .toBe(EventShieldColour.NONE);

    // Matrix → web: an encrypted message and a quoting reply, in clear on the platform.
    const matrixMarker = `matrix-marker-${randomBytes(8).toString('hex')}`;
    await bob!.sendMessage(portal!, { msgtype: 'm.text', body: matrixMarker } as never);
    await bob!.sendMessage(portal!, { msgtype: 'm.text', body: 'quoting you', 'm.relates_to': { 'm.in_reply_to': { event_id: event.getId()! } } } as never);
    type Msg = { id: string; sender: string; body: string; parentId?: string; deleted: boolean; reactions: Record<string, number> };
    const messages = async () => (await requestJson<{ messages: Msg[] }>(api(`/rooms/${room.id}/messages`), auth)).messages;
    await expect.poll(async () => (await messages()).map((m) => m.body), { timeout: 60_000 }).toEqual(expect.arrayContaining([matrixMarker, 'quoting you']));
    expect((await messages()).find((m) => m.body === 'quoting you')!.parentId).toBe(sent.id);

    // A reaction from Matrix, an edit and a deletion from the web.
    await bob!.sendEvent(portal!, EventType.Reaction, { 'm.relates_to': { rel_type: 'm.annotation', event_id: event.getId()!, key: '🔒' } } as never);
    await expect.poll(async () => (await messages()).find((m) => m.id === sent.id)?.reactions, { timeout: 60_000 }).toEqual({ '🔒': 1 });
    await requestJson(api(`/messages/${sent.id}`), { method: 'PATCH', body: { body: `${webMarker} (edited)` }, ...auth });
    const edit = await waitForEvent(bob!, portal!, (e) => e.getSender() === ghost && readable(e) && e.getContent()['m.relates_to']?.rel_type === 'm.replace', 60_000);
    expect(edit.isEncrypted()).toBe(true);
    expect(edit.getContent()['m.new_content']).toMatchObject({ body: `${webMarker} (edited)` });
    await requestJson(api(`/messages/${sent.id}`), { method: 'DELETE', ...auth });
    await expect.poll(() => bob!.getRoom(portal!)?.findEventById(event.getId()!)?.isRedacted(), { timeout: 60_000 }).toBe(true);

    // Neither side's words are on the homeserver.
    const db = await synapseDatabaseBytes();
    expect(db.includes(Buffer.from(webMarker))).toBe(false);
    expect(db.includes(Buffer.from(matrixMarker))).toBe(false);
  });
});
