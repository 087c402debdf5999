import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { EventType, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { createClient, registerUser, stopClient, uniqueLocalpart, waitForEvent } from './harness/users.js';

/*
 * A web user (JSON API) and a Matrix user (matrix-js-sdk) in one portal room, both ways:
 * what each does is checked on the other side, with the exact Matrix shapes and API fields.
 */

const synapse = injectedSynapse();
let mirage: MirageProcess;
let bob: MatrixClient | undefined;
let bobId: string;

interface ApiMessage {
  id: string;
  sender: string;
  body: string;
  parentId?: string;
  threadId?: string;
  deleted: boolean;
  reactions: Record<string, number>;
}

const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-bridge-')),
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

/** Resolves with the ID of the first room `client` is invited to that matches. */
async function invitedRoom(client: MatrixClient, timeoutMs = 30_000): Promise<string> {
  let found: string | undefined;
  await expect
    .poll(() => (found = client.getRooms().find((room) => room.getMyMembership() === 'invite')?.roomId), { timeout: timeoutMs, interval: 100 })
    .toBeDefined();
  return found!;
}

describe('a portal room between a web user and a Matrix user', () => {
  it('carries messages, replies, edits, deletions and reactions both ways', async () => {
    const name = uniqueLocalpart('alice').toLowerCase();
    const alice = await requestJson<{ accessToken: string }>(api('/accounts'), { body: { username: name, password: 'correct horse battery' } });
    const auth = { accessToken: alice.accessToken };
    const aliceGhost = `@mirage_${name}:${synapse.serverName}`;
    const room = await requestJson<{ id: string }>(api('/rooms'), { body: { name: 'Bridge test', invite: [bobId] }, ...auth });

    // The invite reaches the Matrix user; joining makes them a platform member.
    const portal = await invitedRoom(bob!);
    await bob!.joinRoom(portal);
    await expect
      .poll(async () => (await requestJson<{ members: { member: string; membership: string; kind: string }[] }>(api(`/rooms/${room.id}`), auth)).members, {
        timeout: 30_000,
      })
      .toContainEqual({ member: bobId, membership: 'join', kind: 'matrix' });

    // Web → Matrix: a message from the ghost, Markdown as formatted_body.
    const hello = await requestJson<ApiMessage>(api(`/rooms/${room.id}/messages`), { body: { body: 'hello **matrix**' }, ...auth });
    const helloEvent = await waitForEvent(bob!, portal, (e) => e.getType() === EventType.RoomMessage && e.getSender() === aliceGhost && e.getContent().body === 'hello **matrix**', 30_000);
    expect(helloEvent.getContent()).toMatchObject({ msgtype: 'm.text', format: 'org.matrix.custom.html', formatted_body: expect.stringContaining('<strong>matrix</strong>') });

    // Matrix → web: a message and a quoting reply.
    const { event_id: hiId } = await bob!.sendMessage(portal, { msgtype: 'm.text', body: 'hi web' } as never);
    const { event_id: replyId } = await bob!.sendMessage(portal, { msgtype: 'm.text', body: 'a reply', 'm.relates_to': { 'm.in_reply_to': { event_id: helloEvent.getId()! } } } as never);
    const messages = async () => (await requestJson<{ messages: ApiMessage[] }>(api(`/rooms/${room.id}/messages`), auth)).messages;
    await expect.poll(async () => (await messages()).map((m) => m.body), { timeout: 30_000 }).toContain('a reply');
    const fromBob = (await messages()).filter((m) => m.sender === bobId);
    expect(fromBob.map((m) => m.body)).toEqual(['a reply', 'hi web']);
    expect(fromBob[0]!.parentId).toBe(hello.id);
    const hi = fromBob[1]!;

    // Web → Matrix: a reaction, an edit, a deletion.
    await requestJson(api(`/messages/${hi.id}/reactions/${encodeURIComponent('👍')}`), { method: 'PUT', ...auth });
    const reaction = await waitForEvent(bob!, portal, (e) => e.getType() === EventType.Reaction && e.getSender() === aliceGhost, 30_000);
    expect(reaction.getContent()).toEqual({ 'm.relates_to': { rel_type: 'm.annotation', event_id: hiId, key: '👍' } });
    await requestJson(api(`/messages/${hello.id}`), { method: 'PATCH', body: { body: 'hello again' }, ...auth });
    const edit = await waitForEvent(bob!, portal, (e) => e.getContent()['m.relates_to']?.rel_type === 'm.replace' && e.getSender() === aliceGhost, 30_000);
    expect(edit.getContent()).toMatchObject({ body: '* hello again', 'm.new_content': { msgtype: 'm.text', body: 'hello again' }, 'm.relates_to': { rel_type: 'm.replace', event_id: helloEvent.getId() } });
    await requestJson(api(`/messages/${hi.id}/reactions/${encodeURIComponent('👍')}`), { method: 'DELETE', ...auth });
    await waitForEvent(bob!, portal, (e: MatrixEvent) => e.getType() === EventType.RoomRedaction && e.event.redacts === reaction.getId() || e.getContent().redacts === reaction.getId(), 30_000);

    // Matrix → web: a reaction, its removal, an edit and a deletion.
    const { event_id: bobReaction } = await bob!.sendEvent(portal, EventType.Reaction, { 'm.relates_to': { rel_type: 'm.annotation', event_id: helloEvent.getId()!, key: '🎉' } } as never);
    const helloNow = async () => (await messages()).find((m) => m.id === hello.id)!;
    await expect.poll(async () => (await helloNow()).reactions, { timeout: 30_000 }).toEqual({ '🎉': 1 });
    await bob!.redactEvent(portal, bobReaction);
    await expect.poll(async () => (await helloNow()).reactions, { timeout: 30_000 }).toEqual({});
    await bob!.sendMessage(portal, { msgtype: 'm.text', body: '* hi web!', 'm.new_content': { msgtype: 'm.text', body: 'hi web!' }, 'm.relates_to': { rel_type: 'm.replace', event_id: hiId } } as never);
    const hiNow = async () => (await messages()).find((m) => m.id === hi.id)!;
    await expect.poll(async () => (await hiNow()).body, { timeout: 30_000 }).toBe('hi web!');
    await bob!.redactEvent(portal, replyId);
    await expect.poll(async () => (await messages()).find((m) => m.id === fromBob[0]!.id)?.deleted, { timeout: 30_000 }).toBe(true);

    // Nothing came back as an echo: Alice's one message and Bob's two, no duplicates.
    const all = await messages();
    expect(all.filter((m) => m.sender === name)).toHaveLength(1);
    expect(all.filter((m) => m.sender === bobId)).toHaveLength(2);
  });
});
