import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { allPlatformMessages, type ApiMessage, matrixTimeline, platformMessages, type RawEvent, sendRaw, sharedRoom, signUp, type WebUser } from './harness/bridgeRoom.js';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { registerUser, type TestUser, uniqueLocalpart } from './harness/users.js';

/*
 * Threads, in-thread replies, message kinds and media between a web user and a Matrix user,
 * with the exact Matrix relation shapes and API fields; and a web message Matrix refuses for good
 * marked on the platform.
 */

const ONE_PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const synapse = injectedSynapse();
let mirage: MirageProcess;
let alice: WebUser;
let bob: TestUser;
let room: { roomId: string; portal: string };
let aliceGhost: string;

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-threads-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: false } },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  alice = await signUp(mirage, 'alice');
  aliceGhost = `@mirage_${alice.name}:${synapse.serverName}`;
  bob = await registerUser(synapse, uniqueLocalpart('bob'));
  room = await sharedRoom(mirage, synapse, alice, bob);
});

afterAll(async () => {
  await mirage?.stop();
});

const post = (body: Record<string, unknown>) => requestJson<ApiMessage>(`${mirage.apiUrl}/api/v1/rooms/${room.roomId}/messages`, { body, accessToken: alice.accessToken });

/** The ghost's event with this body (an edit's fallback body starts with `* `), once it is in the portal. */
async function ghostEvent(body: string): Promise<RawEvent> {
  let found: RawEvent | undefined;
  await expect
    .poll(async () => (found = (await matrixTimeline(synapse, bob, room.portal)).find((e) => e.sender === aliceGhost && e.content.body === body)), { timeout: 60_000 })
    .toBeDefined();
  return found!;
}

async function platformMessage(body: string): Promise<ApiMessage> {
  let found: ApiMessage | undefined;
  await expect.poll(async () => (found = (await allPlatformMessages(mirage, room.roomId, alice)).find((m) => m.body === body)), { timeout: 60_000 }).toBeDefined();
  return found!;
}

describe('threads, kinds and media through a portal', () => {
  it('web threads reach Matrix as m.thread with the right fallback or in-thread reply, and their edits stay in the thread', async () => {
    const root = await post({ body: 'web root' });
    const first = await post({ body: 'web thread 1', threadId: root.id });
    const second = await post({ body: 'web thread 2', threadId: root.id });
    await post({ body: 'web answer to 1', threadId: root.id, parentId: first.id });
    expect(second).toMatchObject({ threadId: root.id });

    const rootEvent = await ghostEvent('web root');
    const firstEvent = await ghostEvent('web thread 1');
    expect(rootEvent.content['m.relates_to']).toBeUndefined();
    expect(firstEvent.content['m.relates_to']).toEqual({ rel_type: 'm.thread', event_id: rootEvent.event_id, is_falling_back: true, 'm.in_reply_to': { event_id: rootEvent.event_id } });
    expect((await ghostEvent('web thread 2')).content['m.relates_to']).toEqual({
      rel_type: 'm.thread',
      event_id: rootEvent.event_id,
      is_falling_back: true,
      'm.in_reply_to': { event_id: firstEvent.event_id },
    });
    expect((await ghostEvent('web answer to 1')).content['m.relates_to']).toEqual({
      rel_type: 'm.thread',
      event_id: rootEvent.event_id,
      is_falling_back: false,
      'm.in_reply_to': { event_id: firstEvent.event_id },
    });

    await requestJson(`${mirage.apiUrl}/api/v1/messages/${second.id}`, { method: 'PATCH', body: { body: 'web thread 2, edited' }, accessToken: alice.accessToken });
    const edit = await ghostEvent('* web thread 2, edited');
    const secondEvent = await ghostEvent('web thread 2');
    expect(edit.content['m.relates_to']).toEqual({ rel_type: 'm.replace', event_id: secondEvent.event_id });
    expect(edit.content['m.new_content']).toMatchObject({ msgtype: 'm.text', body: 'web thread 2, edited' });
    expect((edit.content['m.new_content'] as Record<string, unknown>)['m.relates_to']).toBeUndefined();

    // A kind and a mention: an emote stays an emote, a handle becomes a pill and an m.mentions entry.
    await post({ body: 'waves from the web', kind: 'emote' });
    expect((await ghostEvent('waves from the web')).content.msgtype).toBe('m.emote');
    const mention = `hello ${bob.userId}!`;
    await post({ body: mention });
    const mentionEvent = await ghostEvent(mention);
    expect(mentionEvent.content['m.mentions']).toEqual({ user_ids: [bob.userId] });
    expect(mentionEvent.content.formatted_body).toContain(`<a href="https://matrix.to/#/${bob.userId}">${bob.userId}</a>`);
  });

  it('Matrix threads, in-thread replies, edits, notices, emotes and images reach the platform', async () => {
    const send = (content: unknown) => sendRaw(synapse, bob, room.portal, 'm.room.message', content);
    const rootId = await send({ msgtype: 'm.text', body: 'matrix root' });
    const firstId = await send({ msgtype: 'm.text', body: 'matrix thread 1', 'm.relates_to': { rel_type: 'm.thread', event_id: rootId, is_falling_back: true, 'm.in_reply_to': { event_id: rootId } } });
    await send({ msgtype: 'm.text', body: 'matrix answer to 1', 'm.relates_to': { rel_type: 'm.thread', event_id: rootId, is_falling_back: false, 'm.in_reply_to': { event_id: firstId } } });
    // Element's edit of a thread message: the relation in m.new_content is ignored, the edit stays in the thread.
    await send({ msgtype: 'm.text', body: '* matrix thread 1!', 'm.new_content': { msgtype: 'm.text', body: 'matrix thread 1!' }, 'm.relates_to': { rel_type: 'm.replace', event_id: firstId } });
    await send({ msgtype: 'm.notice', body: 'a matrix notice' });
    await send({ msgtype: 'm.emote', body: 'waves from matrix' });
    const upload = await fetch(`${synapse.url}/_matrix/media/v3/upload?filename=pixel.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bob.accessToken}`, 'content-type': 'image/png' },
      body: Buffer.from(ONE_PIXEL_PNG, 'base64'),
    });
    const { content_uri: mxc } = (await upload.json()) as { content_uri: string };
    await send({ msgtype: 'm.image', body: 'pixel.png', url: mxc, info: { mimetype: 'image/png', w: 1, h: 1, size: 70 } });

    const root = await platformMessage('matrix root');
    const first = await platformMessage('matrix thread 1!');
    expect(first.threadId).toBe(root.id);
    expect(first.parentId).toBeUndefined();
    const answer = await platformMessage('matrix answer to 1');
    expect(answer).toMatchObject({ threadId: root.id, parentId: first.id });
    expect(await platformMessage('a matrix notice')).toMatchObject({ kind: 'notice' });
    // A pill of Alice's ghost comes in as her handle.
    await send({
      msgtype: 'm.text',
      body: 'Alice: look',
      format: 'org.matrix.custom.html',
      formatted_body: `<a href="https://matrix.to/#/${aliceGhost}">Alice</a>: look`,
      'm.mentions': { user_ids: [aliceGhost] },
    });
    await platformMessage(`@${alice.name}: look`);
    expect(await platformMessage('waves from matrix')).toMatchObject({ kind: 'emote' });
    const [server, mediaId] = mxc.slice('mxc://'.length).split('/');
    const mediaUrl = `${mirage.apiUrl}/media/${server}/${mediaId}`;
    const image = await platformMessage(`![pixel.png](${mediaUrl})`);
    // An image on an https site; a link to it on this http test instance (the web renderer's image policy).
    expect(image.html).toMatch(new RegExp(`(src|href)="${mediaUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`));
    const served = await fetch(mediaUrl);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(Buffer.from(ONE_PIXEL_PNG, 'base64'));
  });

  it('marks a web message the homeserver refuses for good as not delivered, counts it, and goes on', async () => {
    // 20,000 three-byte characters, as body and formatted_body: past the homeserver's 64 KiB event limit.
    const big = await post({ body: '€'.repeat(20_000) });
    await expect
      .poll(async () => (await platformMessages(mirage, room.roomId, alice)).find((m) => m.id === big.id)?.delivery, { timeout: 90_000 })
      .toMatchObject({ state: 'failed', reason: 'M_TOO_LARGE' });
    const metrics = await (await fetch(`${mirage.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/mirage_bridge_delivery_failures_total\{direction="to_matrix",reason="refused"\} 1\b/);
    await post({ body: 'after the refused one' });
    await ghostEvent('after the refused one');
    expect((await platformMessages(mirage, room.roomId, alice)).find((m) => m.body === 'after the refused one')?.delivery).toBeUndefined();
  });
});
