import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { freePort } from './harness/ports.js';
import { readRegistration } from './harness/registration.js';
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

  it('lets a Matrix user join a public room through its alias while the portal is still to be made; an invite-only room refuses them', async () => {
    const alice = await signUp('alice');
    // The homeserver is out of Mirage's reach while the room is created: its portal cannot be made.
    await proxy.stop();
    let joining: ReturnType<MatrixClient['joinRoom']>;
    let open: { id: string };
    try {
      open = await requestJson<{ id: string }>(api('/rooms'), { body: { name: 'Open room', joinRule: 'public' }, ...alice.auth });
      joining = bob!.joinRoom(alias(open.id));
      joining.catch(() => undefined);
      // The homeserver asked Mirage about the alias (its queries reach Mirage directly) and the portal does not exist yet.
      await mirage.waitForOutput(new RegExp(`creating portal on alias query.*${open.id}|${open.id}.*creating portal on alias query`), 60_000);
    } finally {
      await proxy.start();
    }
    const joined = await joining;
    await expect.poll(() => bob!.getRoom(joined.roomId)?.getMyMembership(), { timeout: 30_000 }).toBe('join');
    expect((await bob!.getRoomIdForAlias(alias(open.id))).room_id).toBe(joined.roomId);
    await expect.poll(() => members(open.id, alice.auth), { timeout: 30_000 }).toContainEqual({ member: bobId, membership: 'join', kind: 'matrix' });
    await expect.poll(() => bob!.getRoom(joined.roomId)?.getMember(ghost(alice.name))?.membership, { timeout: 30_000 }).toBe('join');

    // An invite-only room: its portal exists (created with the room), and Matrix refuses the stranger.
    const closed = await requestJson<{ id: string }>(api('/rooms'), { body: { name: 'Closed room' }, ...alice.auth });
    await expect.poll(async () => (await bob!.getRoomIdForAlias(alias(closed.id)).catch(() => undefined))?.room_id, { timeout: 30_000 }).toBeDefined();
    await expect(bob!.joinRoom(alias(closed.id))).rejects.toMatchObject({ errcode: 'M_FORBIDDEN' });
    expect((await members(closed.id, alice.auth)).map((m) => m.member)).not.toContain(bobId);
    // An unknown room has no alias at all.
    await expect(bob!.getRoomIdForAlias(alias('r_doesnotexist'))).rejects.toMatchObject({ errcode: 'M_NOT_FOUND' });
  }, 180_000);

  it('carries kicks and bans both ways', async () => {
    const alice = await signUp('alice');
    const carol = await signUp('carol');
    const room = await requestJson<{ id: string }>(api('/rooms'), { body: { name: 'Moderated', joinRule: 'public', invite: [bobId] }, ...alice.auth });
    const portal = await invitedBy(ghost(alice.name));
    await bob!.joinRoom(portal);
    const carolJoins = async () => {
      await requestJson(api(`/rooms/${room.id}/join`), { method: 'POST', ...carol.auth });
      await expect.poll(() => bob!.getRoom(portal)?.getMember(ghost(carol.name))?.membership, { timeout: 30_000 }).toBe('join');
    };
    const carolIn = async () => (await members(room.id, alice.auth)).some((m) => m.member === carol.name);
    await carolJoins();

    // Web → Matrix: the room's creator kicks Carol; Matrix shows it done by Alice's ghost, with the reason.
    await requestJson(api(`/rooms/${room.id}/members/${carol.name}?reason=${encodeURIComponent('be nice')}`), { method: 'DELETE', ...alice.auth });
    await expect.poll(() => bob!.getRoom(portal)?.getMember(ghost(carol.name))?.membership, { timeout: 30_000 }).toBe('leave');
    const kick = bob!.getRoom(portal)!.getMember(ghost(carol.name))!.events.member!;
    expect(kick.getSender()).toBe(ghost(alice.name));
    expect(kick.getContent().reason).toBe('be nice');
    await carolJoins();

    // Matrix → web: the portal's admin (the bot) makes Bob a moderator; his kick and ban of Carol's ghost are hers on the platform.
    const { asToken } = await readRegistration(inject('registrationPath'));
    const levelsUrl = `${synapse.url}/_matrix/client/v3/rooms/${encodeURIComponent(portal)}/state/m.room.power_levels/`;
    const levels = await requestJson<{ users?: Record<string, number> }>(levelsUrl, { accessToken: asToken });
    await requestJson(levelsUrl, { method: 'PUT', body: { ...levels, users: { ...levels.users, [bobId]: 50 } }, accessToken: asToken });
    await bob!.kick(portal, ghost(carol.name), 'cool down');
    await expect.poll(carolIn, { timeout: 30_000 }).toBe(false);
    await carolJoins();
    await bob!.ban(portal, ghost(carol.name), 'enough');
    await expect.poll(carolIn, { timeout: 30_000 }).toBe(false);
    await expect(requestJson(api(`/rooms/${room.id}/join`), { method: 'POST', ...carol.auth })).rejects.toMatchObject({ status: 403 });

    // Web → Matrix: the creator bans Bob.
    await requestJson(api(`/rooms/${room.id}/members/${encodeURIComponent(bobId)}?ban=true`), { method: 'DELETE', ...alice.auth });
    await expect.poll(() => bob!.getRoom(portal)?.getMyMembership(), { timeout: 30_000 }).toBe('ban');
    expect(bob!.getRoom(portal)!.getMember(bobId)!.events.member!.getSender()).toBe(ghost(alice.name));
    // The ban lifted on the web is lifted in Matrix: Bob joins the public room again from Element.
    await requestJson(api(`/rooms/${room.id}/bans/${encodeURIComponent(bobId)}`), { method: 'DELETE', ...alice.auth });
    await expect.poll(() => bob!.getRoom(portal)?.getMember(bobId)?.membership, { timeout: 30_000 }).toBe('leave');
    await bob!.joinRoom(portal);
    await expect.poll(() => members(room.id, alice.auth), { timeout: 30_000 }).toContainEqual({ member: bobId, membership: 'join', kind: 'matrix' });
  }, 180_000);

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
