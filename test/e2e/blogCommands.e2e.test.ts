import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { MatrixClient, MatrixEvent } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, sharedRoom } from './harness/bridgeRoom.js';
import { injectedSynapse } from './harness/context.js';
import { HttpError, requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { freePort } from './harness/ports.js';
import { createClient, registerUser, stopClient, type TestUser, uniqueLocalpart, waitForEvent } from './harness/users.js';

/* A Matrix user keeps a blog with !blog commands from Element; the web API reads it. */

const synapse = injectedSynapse();
const botId = `@mirage:${synapse.serverName}`;
let mirage: MirageProcess;
let bob: TestUser;
let carol: TestUser;
let bobClient: MatrixClient;
let carolClient: MatrixClient;
let bobDm: string;
let carolDm: string;

interface ApiPost {
  id: string;
  title: string;
  slug: string;
  body: string;
  published: boolean;
  commentsOpen: boolean;
}

const inReplyTo = (event: MatrixEvent): string | undefined =>
  (event.getContent()['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id;

/** Sends a command as Element does (Markdown in `body`, its HTML in `formatted_body`) and resolves with the bot's answer. */
async function command(client: MatrixClient, roomId: string, body: string, html?: string): Promise<string> {
  const content = html === undefined ? { msgtype: 'm.text', body } : { msgtype: 'm.text', body, format: 'org.matrix.custom.html', formatted_body: html };
  const { event_id: eventId } = await client.sendMessage(roomId, content as never);
  const reply = await waitForEvent(client, roomId, (e) => e.getSender() === botId && inReplyTo(e) === eventId, 30_000);
  expect(reply.getContent().msgtype).toBe('m.notice');
  return String(reply.getContent().body);
}

async function dmWithBot(client: MatrixClient): Promise<string> {
  const { room_id: roomId } = await client.createRoom({ is_direct: true, invite: [botId], preset: 'trusted_private_chat' as never });
  await waitForEvent(client, roomId, (e) => e.getSender() === botId && String(e.getContent().body).includes('!mirage help'), 30_000);
  return roomId;
}

const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;
const blogPath = () => `/blogs/${encodeURIComponent(bob.userId)}`;

beforeAll(async () => {
  const dir = await mkdtemp(join(inject('workDir'), 'mirage-blogcmd-'));
  mirage = await startMirage({
    dir,
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    apiPort: await freePort(),
  });
  await mirage.waitForHealth((h) => h.status === 'ok');
  [bob, carol] = await Promise.all([registerUser(synapse, uniqueLocalpart('bob')), registerUser(synapse, uniqueLocalpart('carol'))]);
  [bobClient, carolClient] = await Promise.all([createClient(synapse, bob), createClient(synapse, carol)]);
  [bobDm, carolDm] = await Promise.all([dmWithBot(bobClient), dmWithBot(carolClient)]);
});

afterAll(async () => {
  for (const client of [bobClient, carolClient]) if (client) stopClient(client);
  await mirage?.stop();
});

describe('!blog from Element', () => {
  it('creates the blog and posts a two-line Markdown body, readable through the API by list and by slug', async () => {
    const created = await command(bobClient, bobDm, '!blog create My notes');
    expect(created).toContain('Your blog "My notes" is ready');
    expect(created).toContain(`#mirage_blog_${bob.userId.slice(1).replace(/:/g, '=3a')}:${synapse.serverName}`);
    expect((await requestJson<{ title: string }>(api(blogPath()))).title).toBe('My notes');

    const markdown = 'The **first** line, with "quotes" and it\'s fine\n- and a list item';
    const posted = await command(bobClient, bobDm, `!blog post Hello\n${markdown}`, `<p>!blog post Hello<br>The <strong>first</strong> line, with "quotes" and it's fine</p><ul><li>and a list item</li></ul>`);
    expect(posted).toMatch(/^Published "Hello" \(slug hello\): http.*\/@@.*\/hello$/);

    const { posts } = await requestJson<{ posts: ApiPost[] }>(api(`${blogPath()}/posts`));
    expect(posts).toEqual([expect.objectContaining({ title: 'Hello', slug: 'hello', body: markdown, published: true })]);
    const bySlug = await requestJson<ApiPost>(api(`${blogPath()}/posts/hello`));
    expect(bySlug).toMatchObject({ title: 'Hello', body: markdown });
  });

  it('keeps a --draft post from anonymous readers until it is published', async () => {
    expect(await command(bobClient, bobDm, '!blog post --draft Not yet\nsecret body')).toContain('Saved the draft "Not yet" (slug not-yet)');
    const { posts } = await requestJson<{ posts: ApiPost[] }>(api(`${blogPath()}/posts`));
    expect(posts.map((p) => p.slug)).toEqual(['hello']);
    await expect(requestJson(api(`${blogPath()}/posts/not-yet`))).rejects.toMatchObject({ status: 404 });

    const list = await command(bobClient, bobDm, '!blog list');
    expect(list).toContain('1 published, 1 draft(s)');
    expect(list).toContain('• not-yet — "Not yet" (draft, 0 comments)');
    expect(list).toContain('• hello — "Hello" (published, 0 comments)');

    expect(await command(bobClient, bobDm, '!blog publish not-yet')).toContain('Published "Not yet"');
    expect((await requestJson<ApiPost>(api(`${blogPath()}/posts/not-yet`))).published).toBe(true);
  });

  it('closes comments, reads a command sent as a reply without its fallback, and an empty body is a clear error', async () => {
    expect(await command(bobClient, bobDm, '!blog close hello')).toBe('Comments on "Hello" are closed.');
    expect((await requestJson<ApiPost>(api(`${blogPath()}/posts/hello`))).commentsOpen).toBe(false);
    expect(await command(bobClient, bobDm, '!blog post Empty')).toContain('Missing body: write it on the lines after the command.');
    // A command sent as a reply by an older client, its body opening with the quoted fallback.
    const { event_id: quoted } = await bobClient.sendTextMessage(bobDm, 'earlier message');
    const reply = { msgtype: 'm.text', body: '> <@someone:example.org> earlier message\n\n!blog open hello', 'm.relates_to': { 'm.in_reply_to': { event_id: quoted } } };
    const { event_id: replyId } = await bobClient.sendMessage(bobDm, reply as never);
    const answer = await waitForEvent(bobClient, bobDm, (e) => e.getSender() === botId && inReplyTo(e) === replyId, 30_000);
    expect(answer.getContent().body).toBe('Comments on "Hello" are open.');
    expect(await command(bobClient, bobDm, '!blog close hello')).toBe('Comments on "Hello" are closed.');
  });

  it("refuses someone else's attempt on the blog: outside a DM or their own blog room, and their commands never touch it", async () => {
    // Carol in a chat portal she shares with a web user (and the bot): refused with the reason.
    const web = await signUp(mirage, 'blogweb');
    const { portal } = await sharedRoom(mirage, synapse, web, carol);
    await waitForEvent(carolClient, portal, (e) => e.getType() === 'm.room.member' && e.getStateKey() === carol.userId, 30_000);
    expect(await command(carolClient, portal, '!blog close hello')).toContain('not in a chat portal');
    // In a room with Bob and the bot: refused too.
    const { room_id: group } = await carolClient.createRoom({ invite: [botId, bob.userId] });
    await bobClient.joinRoom(group);
    await waitForEvent(carolClient, group, (e) => e.getType() === 'm.room.member' && e.getStateKey() === botId && e.getContent().membership === 'join', 30_000);
    await waitForEvent(carolClient, group, (e) => e.getType() === 'm.room.member' && e.getStateKey() === bob.userId && e.getContent().membership === 'join', 30_000);
    expect(await command(carolClient, group, '!blog open hello')).toContain('not in a shared room');
    // In her DM she acts on her own blog only: Bob's post is not hers to reopen or delete.
    expect(await command(carolClient, carolDm, '!blog open hello')).toContain('You have no post with the slug "hello"');
    expect(await command(carolClient, carolDm, '!blog delete hello')).toContain('You have no post with the slug "hello"');
    const post = await requestJson<ApiPost>(api(`${blogPath()}/posts/hello`));
    expect(post.commentsOpen).toBe(false);
    await expect(requestJson(api(`/blogs/${encodeURIComponent(carol.userId)}`))).rejects.toBeInstanceOf(HttpError);
  });
});
