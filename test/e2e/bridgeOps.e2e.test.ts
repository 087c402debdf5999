import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { EventType, type MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { injectedRegistration, injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, OPERATIONS_TOKEN, startMirage } from './harness/mirageProcess.js';
import { createClient, registerUser, stopClient, uniqueLocalpart, waitForEvent } from './harness/users.js';

/*
 * Operating a portal from Element: `!mirage portal` tells a Matrix user which Mirage room the room is,
 * `!mirage portal resync` (a bridge admin) puts a ghost that left back, and /metrics counts the
 * bridge's traffic both ways.
 */

const synapse = injectedSynapse();
let mirage: MirageProcess;
let bob: MatrixClient | undefined;
let bobId: string;
let botId: string;
let asToken: string;

const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;

beforeAll(async () => {
  const registration = await injectedRegistration();
  botId = `@${registration.senderLocalpart}:${synapse.serverName}`;
  asToken = registration.asToken;
  const user = await registerUser(synapse, uniqueLocalpart('bob'));
  bobId = user.userId;
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-bridge-ops-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: false }, permissions: { admins: [bobId] } },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  bob = await createClient(synapse, user);
});

afterAll(async () => {
  if (bob) stopClient(bob);
  await mirage?.stop();
});

describe('portal operations', () => {
  it('answers !mirage portal, resyncs a ghost back in, and counts the bridge traffic in /metrics', async () => {
    const name = uniqueLocalpart('alice').toLowerCase();
    const alice = await requestJson<{ accessToken: string }>(api('/accounts'), { body: { username: name, password: 'correct horse battery' } });
    const auth = { accessToken: alice.accessToken };
    const aliceGhost = `@mirage_${name}:${synapse.serverName}`;
    const room = await requestJson<{ id: string }>(api('/rooms'), { body: { name: 'Ops room', invite: [bobId] }, ...auth });

    let portal: string | undefined;
    await expect.poll(() => (portal = bob!.getRooms().find((r) => r.getMyMembership() === 'invite')?.roomId), { timeout: 30_000, interval: 100 }).toBeDefined();
    await bob!.joinRoom(portal!);
    await expect
      .poll(async () => (await requestJson<{ members: { member: string; membership: string }[] }>(api(`/rooms/${room.id}`), auth)).members, { timeout: 30_000 })
      .toContainEqual(expect.objectContaining({ member: bobId, membership: 'join' }));
    await requestJson(api(`/rooms/${room.id}/messages`), { body: { body: 'hello from the web' }, ...auth });
    await waitForEvent(bob!, portal!, (e) => e.getSender() === aliceGhost && e.getContent().body === 'hello from the web', 30_000);

    const botNotice = (pattern: RegExp) => waitForEvent(bob!, portal!, (e) => e.getSender() === botId && pattern.test(String(e.getContent().body ?? '')), 30_000);
    await bob!.sendMessage(portal!, { msgtype: 'm.text', body: '!mirage portal' } as never);
    const info = String((await botNotice(/Mirage room "Ops room"/)).getContent().body);
    expect(info).toContain(`(${room.id})`);
    expect(info).toContain(`Alias: #mirage_${room.id}:${synapse.serverName}`);
    expect(info).toContain('Encryption: off');
    expect(info).toMatch(new RegExp(`Mirage members \\(2\\): .*${name} \\(mirage\\)`));
    expect(info).toContain(`${bobId} (matrix)`);
    expect(info).toMatch(new RegExp(`Matrix members joined \\(3\\): .*${aliceGhost.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    // The ghost leaves behind the bridge's back (straight through the homeserver, as the appservice).
    const leave = await fetch(`${synapse.url}/_matrix/client/v3/rooms/${encodeURIComponent(portal!)}/leave?user_id=${encodeURIComponent(aliceGhost)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${asToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(leave.status).toBe(200);
    await expect.poll(() => bob!.getRoom(portal!)?.getMember(aliceGhost)?.membership, { timeout: 30_000 }).toBe('leave');

    await bob!.sendMessage(portal!, { msgtype: 'm.text', body: '!mirage portal resync' } as never);
    expect(String((await botNotice(/^Queued \d+ change/)).getContent().body)).toMatch(/[12] membership change/);
    await expect.poll(() => bob!.getRoom(portal!)?.getMember(aliceGhost)?.membership, { timeout: 30_000 }).toBe('join');
    // And the ghost speaks for Alice again.
    await requestJson(api(`/rooms/${room.id}/messages`), { body: { body: 'back again' }, ...auth });
    await waitForEvent(bob!, portal!, (e) => e.getType() === EventType.RoomMessage && e.getSender() === aliceGhost && e.getContent().body === 'back again', 30_000);

    const metrics = await (await fetch(`${mirage.apiUrl}/metrics`, { headers: { authorization: `Bearer ${OPERATIONS_TOKEN}` } })).text();
    expect(metrics).toMatch(/^mirage_bridge_events_total\{direction="to_matrix",kind="message",outcome="queued"\} 2$/m);
    expect(metrics).toMatch(/^mirage_bridge_events_total\{direction="to_platform",kind="membership",outcome="applied"\} 1$/m);
    expect(metrics).toMatch(/^mirage_bridge_relay_lag_entries \d+$/m);
  });
});
