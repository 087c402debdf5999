import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { freePort } from './harness/ports.js';
import { TcpProxy } from './harness/tcpProxy.js';
import { createClient, registerUser, stopClient, uniqueLocalpart } from './harness/users.js';

/*
 * People and rooms across the bridge, with a real Synapse and matrix-js-sdk as the Element user:
 * ghosts with the account's profile, portals joined through their alias, invites by handle, DMs,
 * and memberships both ways. Mirage reaches the homeserver through a proxy the test can stop, so
 * a room can be created while its portal cannot be.
 */

const synapse = injectedSynapse();
let proxy: TcpProxy;
let mirage: MirageProcess;
let bob: MatrixClient | undefined;
let bobId: string;
let bobLocalpart: string;

interface ApiRoom {
  id: string;
  members: { member: string; membership: string; kind: string }[];
}

const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;
const ghost = (name: string) => `@mirage_${name}:${synapse.serverName}`;
const alias = (roomId: string) => `#mirage_${roomId}:${synapse.serverName}`;

beforeAll(async () => {
  const target = new URL(synapse.url);
  proxy = new TcpProxy(await freePort(), { host: target.hostname, port: Number(target.port) });
  await proxy.start();
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-portals-')),
    homeserverUrl: `http://127.0.0.1:${proxy.port}`,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: false }, bridge: { aliasQueryWaitSeconds: 90 } },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  bobLocalpart = uniqueLocalpart('bob');
  const user = await registerUser(synapse, bobLocalpart);
  bobId = user.userId;
  bob = await createClient(synapse, user);
});

afterAll(async () => {
  if (bob) stopClient(bob);
  await mirage?.stop();
  await proxy?.stop();
});

async function signUp(prefix: string): Promise<{ name: string; auth: { accessToken: string } }> {
  const name = uniqueLocalpart(prefix).toLowerCase();
  const { accessToken } = await requestJson<{ accessToken: string }>(api('/accounts'), { body: { username: name, password: 'correct horse battery' } });
  return { name, auth: { accessToken } };
}

const members = async (roomId: string, auth: { accessToken: string }) => (await requestJson<ApiRoom>(api(`/rooms/${roomId}`), auth)).members;

/** The Matrix room bob is invited to by `inviter`. */
async function invitedBy(inviter: string): Promise<string> {
  let found: string | undefined;
  await expect
    .poll(
      () =>
        (found = bob!
          .getRooms()
          .find((room) => room.getMyMembership() === 'invite' && room.getMember(bobId)?.events.member?.getSender() === inviter)?.roomId),
      { timeout: 30_000, interval: 100 },
    )
    .toBeDefined();
  return found!;
}

describe('people and portal rooms', () => {
  it('invites bob@server from the web through the inviter ghost, with its profile; his join and leave reach the platform', async () => {
    const alice = await signUp('alice');
    await requestJson(api('/me/profile'), { method: 'PATCH', body: { displayName: 'Alice Portal' }, ...alice.auth });
    const room = await requestJson<{ id: string }>(api('/rooms'), { body: { name: 'Invite test' }, ...alice.auth });
    await requestJson(api(`/rooms/${room.id}/members`), { body: { handle: `${bobLocalpart}@${synapse.serverName}` }, ...alice.auth });

    const portal = await invitedBy(ghost(alice.name));
    const profile = await requestJson<{ displayname?: string }>(`${synapse.url}/_matrix/client/v3/profile/${encodeURIComponent(ghost(alice.name))}`);
    expect(profile.displayname).toBe('Alice Portal');
    expect(await bob!.getRoomIdForAlias(alias(room.id))).toMatchObject({ room_id: portal });

    await bob!.joinRoom(portal);
    await expect.poll(() => members(room.id, alice.auth), { timeout: 30_000 }).toContainEqual({ member: bobId, membership: 'join', kind: 'matrix' });

    // A ghost invited in Matrix by a Matrix member is an invite of its account on the platform.
    const carol = await signUp('carol');
    await bob!.invite(portal, ghost(carol.name));
    await expect.poll(() => members(room.id, alice.auth), { timeout: 30_000 }).toContainEqual({ member: carol.name, membership: 'invite', kind: 'mirage' });
    // Carol accepts on the web: her ghost joins in Matrix.
    await requestJson(api(`/rooms/${room.id}/members`), { body: { handle: carol.name }, ...carol.auth });
    await expect.poll(() => bob!.getRoom(portal)?.getMember(ghost(carol.name))?.membership, { timeout: 30_000 }).toBe('join');
    // Carol leaves on the web: her ghost leaves.
    await requestJson(api(`/rooms/${room.id}/members/me`), { method: 'DELETE', ...carol.auth });
    await expect.poll(() => bob!.getRoom(portal)?.getMember(ghost(carol.name))?.membership, { timeout: 30_000 }).toBe('leave');

    await bob!.leave(portal);
    await expect.poll(async () => (await members(room.id, alice.auth)).map((m) => m.member), { timeout: 30_000 }).not.toContain(bobId);
  });

  it('opens a DM from the web as an is_direct room of the web user ghost', async () => {
    const alice = await signUp('alice');
    const dm = await requestJson<{ id: string }>(api('/dms'), { body: { handle: bobId }, ...alice.auth });
    const portal = await invitedBy(ghost(alice.name));
    const room = bob!.getRoom(portal)!;
    expect(room.getMember(bobId)?.events.member?.getContent()).toMatchObject({ membership: 'invite', is_direct: true });
    expect(room.getDMInviter()).toBe(ghost(alice.name));
    await bob!.joinRoom(portal);
    await expect.poll(() => members(dm.id, alice.auth), { timeout: 30_000 }).toContainEqual({ member: bobId, membership: 'join', kind: 'matrix' });
  });
});
