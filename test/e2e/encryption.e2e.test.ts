import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { MatrixClient, MatrixEvent } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { freePort } from './harness/ports.js';
import { createClient, registerUser, stopClient, uniqueLocalpart, waitForEvent } from './harness/users.js';

const synapse = injectedSynapse();
const botId = `@mirage:${synapse.serverName}`;
let mirage: MirageProcess;
let mirageDir: string;
let apiPort: number;
let alice: MatrixClient;
let aliceToken: string;
let adminToken: string;
let roomId: string;
let plainRoomId: string;

const start = () =>
  startMirage({
    dir: mirageDir,
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    apiPort,
    extra: { encryption: { enabled: true, passphrase: 'e2e crypto store passphrase', undecryptableReportAfterSeconds: 10 } },
  });

/** True once an encrypted event's clear content is available (relations stay readable before). */
const readable = (e: MatrixEvent) => !e.isEncrypted() || (e.getClearContent() !== null && !e.isDecryptionFailure());

const inReplyTo = (e: MatrixEvent) =>
  (e.getContent()['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id;

/** Sends an (encrypted) command; resolves with the bot's decrypted reply. */
async function command(body: string): Promise<{ sent: MatrixEvent; reply: MatrixEvent }> {
  const { event_id: eventId } = await alice.sendTextMessage(roomId, body);
  const reply = await waitForEvent(alice, roomId, (e) => e.getSender() === botId && readable(e) && inReplyTo(e) === eventId, 30_000);
  const sent = alice.getRoom(roomId)!.findEventById(eventId)!;
  return { sent, reply };
}

async function botDevices(): Promise<string[]> {
  const url = `${synapse.url}/_synapse/admin/v2/users/${encodeURIComponent(botId)}/devices`;
  const { devices } = await requestJson<{ devices: { device_id: string }[] }>(url, { accessToken: adminToken });
  return devices.map((d) => d.device_id);
}

/** Every byte Synapse keeps in its sqlite database, WAL included. */
async function synapseDatabaseBytes(): Promise<Buffer> {
  const dbPath = inject('synapseDbPath');
  if (!dbPath) throw new Error('needs the suite-managed Synapse');
  const dir = dirname(dbPath);
  const files = (await readdir(dir)).filter((f) => f.startsWith(dbPath.split('/').pop()!));
  return Buffer.concat(await Promise.all(files.map((f) => readFile(join(dir, f)))));
}

beforeAll(async () => {
  adminToken = (await registerUser(synapse, uniqueLocalpart('admin'), undefined, { admin: true })).accessToken;
  // Files take turns on one Synapse with one registration: earlier files' Mirages (stopped now)
  // left bot devices of their own stores. This file counts the devices of its own Mirage.
  const stale = await botDevices();
  if (stale.length > 0) {
    await requestJson(`${synapse.url}/_synapse/admin/v2/users/${encodeURIComponent(botId)}/delete_devices`, { method: 'POST', body: { devices: stale }, accessToken: adminToken });
  }
  mirageDir = await mkdtemp(join(inject('workDir'), 'mirage-crypto-'));
  apiPort = await freePort();
  mirage = await start();
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  const user = await registerUser(synapse, uniqueLocalpart('alice'));
  aliceToken = user.accessToken;
  alice = await createClient(synapse, user, { crypto: true });
  plainRoomId = (await alice.createRoom({})).room_id;
});

afterAll(async () => {
  if (alice) stopClient(alice);
  await mirage?.stop();
});

describe('end-to-bridge encryption', () => {
  it('answers in an encrypted DM with encrypted replies the client decrypts', async () => {
    const created = await alice.createRoom({
      is_direct: true,
      invite: [botId],
      initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
    });
    roomId = created.room_id;
    await waitForEvent(alice, roomId, (e) => e.getType() === 'm.room.member' && e.getStateKey() === botId && e.getContent().membership === 'join', 30_000);
    const greeting = await waitForEvent(alice, roomId, (e) => e.getSender() === botId && readable(e) && String(e.getContent().body ?? '').includes('!mirage help'), 30_000);
    expect(greeting.isEncrypted()).toBe(true);

    const help = await command('!mirage help');
    expect(help.sent.isEncrypted()).toBe(true);
    expect(help.reply.isEncrypted()).toBe(true);
    expect(help.reply.getWireType()).toBe('m.room.encrypted');
    expect(help.reply.getContent().body).toContain('!mirage whoami');
  });

  it('leaves no plaintext in the homeserver: a marker sent both ways is nowhere in its database', async () => {
    // The command carries the marker in; the bot's "unknown command" reply quotes it back out.
    const marker = `marker${randomBytes(12).toString('hex')}`;
    const { reply } = await command(`!mirage ${marker}`);
    expect(reply.getContent().body).toContain(marker);
    // The check itself can see plaintext: the same marker sent unencrypted shows up.
    const control = `control${randomBytes(12).toString('hex')}`;
    await requestJson(`${synapse.url}/_matrix/client/v3/rooms/${encodeURIComponent(plainRoomId)}/send/m.room.message/c${Date.now()}`, {
      method: 'PUT',
      body: { msgtype: 'm.text', body: control },
      accessToken: aliceToken,
    });
    await mirage.waitForHealth((h) => h.queues.inbox === 0 && h.queues.roomEvents === 0 && h.queues.outbox === 0);
    const bytes = await synapseDatabaseBytes();
    expect(bytes.length).toBeGreaterThan(100_000);
    expect(bytes.includes(Buffer.from(marker))).toBe(false);
    await expect.poll(async () => (await synapseDatabaseBytes()).includes(Buffer.from(control)), { timeout: 10_000 }).toBe(true);
  });

  it('shows its device and fingerprint with !mirage whoami', async () => {
    const { reply } = await command('!mirage whoami');
    const [device] = await botDevices();
    expect(reply.getContent().body).toContain(`device ${device}`);
    const keys = await alice.getCrypto()!.getUserDeviceInfo([botId], true);
    const ed25519 = keys.get(botId)!.get(device!)!.getFingerprint()!;
    expect(reply.getContent().body.replace(/\s/g, '')).toContain(ed25519);
  });

  it('after kill -9 keeps its device and decrypts the existing Megolm session', async () => {
    const before = await command('!mirage ping');
    const sessionBefore = before.sent.getWireContent().session_id as string;
    const devicesBefore = await botDevices();
    expect(devicesBefore).toHaveLength(1);

    await mirage.kill();
    mirage = await start();
    await mirage.waitForHealth((h) => h.status === 'ok', 60_000);

    const after = await command('!mirage whoami');
    expect(after.sent.getWireContent().session_id).toBe(sessionBefore);
    expect(after.reply.isEncrypted()).toBe(true);
    expect(after.reply.getContent().body).toContain(`device ${devicesBefore[0]}`);
    expect(await botDevices()).toEqual(devicesBefore);
  });

  it('parks an event it cannot decrypt and reports it once in the room', async () => {
    // A Megolm event whose session Mirage never received.
    const bogus = {
      algorithm: 'm.megolm.v1.aes-sha2',
      ciphertext: 'AwgAEnB5',
      device_id: 'NOSUCHDEVICE',
      sender_key: 'a'.repeat(43),
      session_id: 'b'.repeat(43),
    };
    const url = `${synapse.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.encrypted/bogus-${Date.now()}`;
    const { event_id: eventId } = await requestJson<{ event_id: string }>(url, { method: 'PUT', body: bogus, accessToken: aliceToken });
    await expect.poll(async () => (await (await fetch(`${mirage.apiUrl}/metrics`)).text()).match(/mirage_undecryptable_events_total\{outcome="parked"\} (\d+)/)?.[1], { timeout: 20_000 }).toBe('1');
    const report = await waitForEvent(alice, roomId, (e) => e.getSender() === botId && readable(e) && inReplyTo(e) === eventId, 90_000);
    expect(report.getContent().body).toContain('could not decrypt');
    expect(report.isEncrypted()).toBe(true);
    const status = await waitForEvent(
      alice,
      roomId,
      (e) => e.getSender() === botId && readable(e) && e.getType() === 'com.beeper.message_send_status' && e.getContent()['m.relates_to']?.event_id === eventId,
      30_000,
    );
    expect(status.getContent()).toMatchObject({ status: 'FAIL_PERMANENT', reason: 'm.undecryptable', 'm.relates_to': { rel_type: 'm.reference' } });
  });
});
