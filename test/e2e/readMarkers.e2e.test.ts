import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { EventType, type MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { createClient, registerUser, stopClient, uniqueLocalpart, waitForEvent } from './harness/users.js';

/*
 * Read markers across the bridge: an Element user's read receipt moves their marker (the web user
 * hears of it as room.read in sync), the web user's marker is their ghost's read receipt in Matrix,
 * and the web user's unread count goes up with Matrix messages and down as they read.
 */

const synapse = injectedSynapse();
let mirage: MirageProcess;
let bob: MatrixClient | undefined;
let bobId: string;

interface RoomView {
  id: string;
  unreadCount: number;
  readUpTo?: string;
  lastMessage?: { id: string; sender: string; excerpt: string };
  members?: { member: string; membership: string }[];
}
interface SyncEvent {
  kind: string;
  roomId?: string;
  data: Record<string, unknown>;
}

const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-read-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: false } },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  const user = await registerUser(synapse, uniqueLocalpart('bob'));
  bobId = user.userId;
  bob = await createClient(synapse, user);
});

afterAll(async () => {
  if (bob) stopClient(bob);
  await mirage?.stop();
});

describe('read markers between a web user and an Element user', () => {
  it('carry read receipts both ways and move the web user’s unread count up and down', async () => {
    const name = uniqueLocalpart('alice').toLowerCase();
    const alice = await requestJson<{ accessToken: string }>(api('/accounts'), { body: { username: name, password: 'correct horse battery' } });
    const auth = { accessToken: alice.accessToken };
    const aliceGhost = `@mirage_${name}:${synapse.serverName}`;
    const room = await requestJson<RoomView>(api('/rooms'), { body: { name: 'Read test', invite: [bobId] }, ...auth });
    const view = () => requestJson<RoomView>(api(`/rooms/${room.id}`), auth);
    const listed = async () => (await requestJson<{ rooms: RoomView[] }>(api('/rooms'), auth)).rooms.find((r) => r.id === room.id)!;

    let portal: string | undefined;
    await expect.poll(() => (portal = bob!.getRooms().find((r) => r.getMyMembership() === 'invite')?.roomId), { timeout: 30_000, interval: 100 }).toBeDefined();
    await bob!.joinRoom(portal!);
    await expect.poll(async () => (await view()).members, { timeout: 30_000 }).toContainEqual(expect.objectContaining({ member: bobId, membership: 'join' }));

    // The web user's own message is read by its sender.
    const mine = await requestJson<{ id: string }>(api(`/rooms/${room.id}/messages`), { body: { body: 'hello from the web' }, ...auth });
    const mineEvent = await waitForEvent(bob!, portal!, (e) => e.getType() === EventType.RoomMessage && e.getSender() === aliceGhost, 30_000);
    expect(await view()).toMatchObject({ unreadCount: 0, readUpTo: mine.id });

    // Element reads the web user's message: the web user's sync says so (Bob's own messages, sent after, would be ahead of it).
    const { next } = await requestJson<{ next: string }>(api('/sync?timeout=0'), auth);
    await bob!.sendReadReceipt(mineEvent);
    let since = next;
    const seen: SyncEvent[] = [];
    await expect
      .poll(
        async () => {
          const page = await requestJson<{ events: SyncEvent[]; next: string }>(api(`/sync?since=${encodeURIComponent(since)}&timeout=1000`), auth);
          since = page.next;
          seen.push(...page.events);
          return seen.filter((e) => e.kind === 'room.read').map((e) => e.data);
        },
        { timeout: 30_000 },
      )
      .toContainEqual(expect.objectContaining({ type: 'room.read', roomId: room.id, member: bobId, messageId: mine.id, by: bobId }));

    // Matrix messages count up as unread, the newest shown as the last message.
    await bob!.sendMessage(portal!, { msgtype: 'm.text', body: 'first from matrix' } as never);
    const { event_id: secondId } = await bob!.sendMessage(portal!, { msgtype: 'm.text', body: 'second from **matrix**' } as never);
    await expect.poll(async () => (await listed()).unreadCount, { timeout: 30_000 }).toBe(2);
    expect((await listed()).lastMessage).toMatchObject({ sender: bobId, excerpt: 'second from **matrix**' });

    // The web user reads Bob's second message: the count drops to nothing and Element sees the ghost's receipt on it.
    const second = (await listed()).lastMessage!;
    await requestJson(api(`/rooms/${room.id}/read`), { method: 'PUT', body: { messageId: second.id }, ...auth });
    expect(await view()).toMatchObject({ unreadCount: 0, readUpTo: second.id });
    await expect.poll(() => bob!.getRoom(portal!)?.getEventReadUpTo(aliceGhost), { timeout: 30_000, interval: 100 }).toBe(secondId);

    // One more from Matrix is one unread again.
    await bob!.sendMessage(portal!, { msgtype: 'm.text', body: 'third' } as never);
    await expect.poll(async () => (await listed()).unreadCount, { timeout: 30_000 }).toBe(1);
  });
});
