import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { matrixTimeline, type RawEvent, signUp, waitFor } from './harness/bridgeRoom.js';
import { injectedSynapse } from './harness/context.js';
import { HttpError, requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { createClient, registerUser, stopClient, type TestUser, uniqueLocalpart } from './harness/users.js';

/*
 * Blogs in Matrix, platform → Matrix: a web user's blog is a Matrix room that a Matrix user
 * (matrix-js-sdk) joins by its alias; what the web user does to posts is checked in the room's
 * timeline and state, with the exact Matrix shapes.
 */

const synapse = injectedSynapse();
let mirage: MirageProcess;
let bob: MatrixClient | undefined;
let bobUser: TestUser;

interface ApiPost {
  id: string;
  slug: string;
}

const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;
const as = (user: { accessToken: string }) => ({ accessToken: user.accessToken });
const blogAlias = (owner: string) => `#mirage_blog_${owner}:${synapse.serverName}`;

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-blog-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: false } },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  bobUser = await registerUser(synapse, uniqueLocalpart('bob'));
  bob = await createClient(synapse, bobUser);
});

afterAll(async () => {
  if (bob) stopClient(bob);
  await mirage?.stop();
});

/** Joins the blog room by its alias with matrix-js-sdk, once the homeserver can resolve it. */
async function joinBlog(owner: string): Promise<string> {
  return waitFor('the blog room joined', async () => {
    try {
      return (await bob!.joinRoom(blogAlias(owner))).roomId;
    } catch {
      return undefined;
    }
  });
}

/** The first event of the room's timeline (as Bob reads it) that matches, once there. */
function eventIn(roomId: string, what: string, match: (event: RawEvent) => boolean): Promise<RawEvent> {
  return waitFor(what, async () => (await matrixTimeline(synapse, bobUser, roomId)).find(match));
}

const redactionOf = (eventId: string) => (e: RawEvent) => e.type === 'm.room.redaction' && (e.redacts === eventId || e.content.redacts === eventId);
const postEventOf = (postId: string, sender: string) => (e: RawEvent) =>
  e.type === 'm.room.message' && e.sender === sender && (e.content['org.mirage.post'] as { id?: string } | undefined)?.id === postId && !e.content['m.relates_to'];

async function roomState(roomId: string, type: string): Promise<Record<string, unknown> | undefined> {
  try {
    return await requestJson<Record<string, unknown>>(`${synapse.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/${encodeURIComponent(type)}/`, as(bobUser));
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return undefined;
    throw error;
  }
}

describe('a blog in Matrix', () => {
  it('is a public, world-readable room of posts from the owner ghost: published, edited, unpublished, republished, deleted; drafts never appear', async () => {
    const alice = await signUp(mirage, 'alice');
    const ghost = `@mirage_${alice.name}:${synapse.serverName}`;
    const draft = await requestJson<ApiPost>(api(`/blogs/${alice.name}/posts`), { body: { title: 'Draft', body: 'never-in-matrix', published: false }, ...as(alice) });
    const post = await requestJson<ApiPost>(api(`/blogs/${alice.name}/posts`), { body: { title: 'Hello <Matrix>', body: 'Some **bold** text' }, ...as(alice) });
    const roomId = await joinBlog(alice.name);

    // The post, from the owner's ghost, in the exact shape.
    const url = `${mirage.apiUrl}/@${alice.name}/${post.slug}`;
    const first = await eventIn(roomId, 'the post', postEventOf(post.id, ghost));
    expect(first.content).toEqual({
      msgtype: 'm.text',
      body: `Hello <Matrix>\n\nSome **bold** text\n\n${url}`,
      format: 'org.matrix.custom.html',
      // One paragraph renders inline, as Matrix clients send it.
      formatted_body: `<h1>Hello &#60;Matrix&#62;</h1>Some <strong>bold</strong> text<p><a href="${url}">${url}</a></p>`,
      'org.mirage.post': { id: post.id, blog: alice.name, slug: post.slug, url },
      'm.mentions': {},
    });

    // The room: public, world-readable, not encrypted, bridge info, the owner's ghost and the bot at power 100.
    expect(await roomState(roomId, 'm.room.join_rules')).toEqual({ join_rule: 'public' });
    expect(await roomState(roomId, 'm.room.history_visibility')).toEqual({ history_visibility: 'world_readable' });
    expect(await roomState(roomId, 'm.room.encryption')).toBeUndefined();
    const state = await requestJson<{ type: string; content: Record<string, unknown> }[]>(`${synapse.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state`, as(bobUser));
    for (const type of ['m.bridge', 'uk.half-shot.bridge']) expect(state.find((e) => e.type === type)?.content).toMatchObject({ channel: { id: `blog:${alice.name}` } });
    expect(await roomState(roomId, 'm.room.name')).toEqual({ name: alice.name });
    const create = (await roomState(roomId, 'm.room.create'))!;
    const power = (await roomState(roomId, 'm.room.power_levels')) as { users: Record<string, number>; events_default: number; redact: number; state_default: number };
    expect(power).toMatchObject({ events_default: 0, redact: 50, state_default: 50 });
    const bot = Object.keys(power.users).find((id) => id !== ghost && power.users[id] === 100);
    expect(bot).toBeDefined();
    // The ghost created the room: by the create event in room version 12, by power 100 before.
    if (create.room_version === '12') expect((await matrixTimeline(synapse, bobUser, roomId)).find((e) => e.type === 'm.room.create')?.sender).toBe(ghost);
    else expect(power.users[ghost]).toBe(100);

    // Name and topic follow the blog's settings.
    await requestJson(api(`/blogs/${alice.name}`), { method: 'PATCH', body: { title: 'Alice writes', description: 'Notes on things' }, ...as(alice) });
    await waitFor('the name', async () => ((await roomState(roomId, 'm.room.name'))?.name === 'Alice writes' ? true : undefined));
    await waitFor('the topic', async () => ((await roomState(roomId, 'm.room.topic'))?.topic === 'Notes on things' ? true : undefined));

    // An edit replaces the event.
    await requestJson(api(`/posts/${post.id}`), { method: 'PATCH', body: { body: 'Edited *text*' }, ...as(alice) });
    const edit = await eventIn(roomId, 'the edit', (e) => (e.content['m.relates_to'] as { rel_type?: string } | undefined)?.rel_type === 'm.replace');
    expect(edit.sender).toBe(ghost);
    expect(edit.content['m.relates_to']).toEqual({ rel_type: 'm.replace', event_id: first.event_id });
    expect(edit.content['m.new_content']).toMatchObject({ msgtype: 'm.text', body: `Hello <Matrix>\n\nEdited *text*\n\n${url}`, 'org.mirage.post': { id: post.id } });
    expect(edit.content.body).toBe(`* Hello <Matrix>\n\nEdited *text*\n\n${url}`);

    // Unpublishing redacts it; publishing again sends it anew; deleting redacts that.
    await requestJson(api(`/posts/${post.id}`), { method: 'PATCH', body: { published: false }, ...as(alice) });
    await eventIn(roomId, 'the redaction of the unpublished post', redactionOf(first.event_id));
    await requestJson(api(`/posts/${post.id}`), { method: 'PATCH', body: { published: true }, ...as(alice) });
    const again = await eventIn(roomId, 'the republished post', (e) => postEventOf(post.id, ghost)(e) && e.event_id !== first.event_id);
    expect(again.content.body).toBe(`Hello <Matrix>\n\nEdited *text*\n\n${url}`);
    await requestJson(api(`/posts/${post.id}`), { method: 'DELETE', ...as(alice) });
    await eventIn(roomId, 'the redaction of the deleted post', redactionOf(again.event_id));

    // A post published after the draft's edit arrives; the draft never did (the room keeps order).
    await requestJson(api(`/posts/${draft.id}`), { method: 'PATCH', body: { body: 'never-in-matrix either' }, ...as(alice) });
    const later = await requestJson<ApiPost>(api(`/blogs/${alice.name}/posts`), { body: { title: 'Later', body: 'after the draft' }, ...as(alice) });
    await eventIn(roomId, 'the later post', postEventOf(later.id, ghost));
    expect(JSON.stringify(await matrixTimeline(synapse, bobUser, roomId))).not.toContain('never-in-matrix');
  });

  it('shows web comments as thread replies under the post, nested replies in-thread, reactions as annotations, all removable', async () => {
    const alice = await signUp(mirage, 'alice');
    const carol = await signUp(mirage, 'carol');
    const aliceGhost = `@mirage_${alice.name}:${synapse.serverName}`;
    const carolGhost = `@mirage_${carol.name}:${synapse.serverName}`;
    const post = await requestJson<ApiPost>(api(`/blogs/${alice.name}/posts`), { body: { title: 'Discuss', body: 'What do you think?' }, ...as(alice) });
    const roomId = await joinBlog(alice.name);
    const root = await eventIn(roomId, 'the post', postEventOf(post.id, aliceGhost));
    const commentEvent = (body: string, sender: string) => (e: RawEvent) => e.type === 'm.room.message' && e.sender === sender && e.content.body === body;

    // A web comment: a thread reply from the commenter's ghost, falling back to the root.
    const first = await requestJson<{ id: string }>(api(`/posts/${post.id}/comments`), { body: { body: 'First **comment**' }, ...as(carol) });
    const firstEvent = await eventIn(roomId, 'the first comment', commentEvent('First **comment**', carolGhost));
    expect(firstEvent.content['m.relates_to']).toEqual({ rel_type: 'm.thread', event_id: root.event_id, is_falling_back: true, 'm.in_reply_to': { event_id: root.event_id } });
    expect(firstEvent.content).toMatchObject({ msgtype: 'm.text', format: 'org.matrix.custom.html', formatted_body: expect.stringContaining('<strong>comment</strong>') });

    // The next one falls back to the latest; the owner's nested reply points at its parent.
    await requestJson(api(`/posts/${post.id}/comments`), { body: { body: 'Second' }, ...as(alice) });
    const secondEvent = await eventIn(roomId, 'the second comment', commentEvent('Second', aliceGhost));
    expect(secondEvent.content['m.relates_to']).toEqual({ rel_type: 'm.thread', event_id: root.event_id, is_falling_back: true, 'm.in_reply_to': { event_id: firstEvent.event_id } });
    const reply = await requestJson<{ id: string }>(api(`/posts/${post.id}/comments`), { body: { body: 'A reply', parentId: first.id }, ...as(alice) });
    const replyEvent = await eventIn(roomId, 'the nested reply', commentEvent('A reply', aliceGhost));
    expect(replyEvent.content['m.relates_to']).toEqual({ rel_type: 'm.thread', event_id: root.event_id, is_falling_back: false, 'm.in_reply_to': { event_id: firstEvent.event_id } });
    expect(replyEvent.content['m.mentions']).toEqual({ user_ids: [carolGhost] });

    // An edit replaces the comment; its author's deletion and the owner's moderation redact.
    await requestJson(api(`/comments/${first.id}`), { method: 'PATCH', body: { body: 'First, edited' }, ...as(carol) });
    const edit = await eventIn(roomId, 'the comment edit', (e) => (e.content['m.relates_to'] as { rel_type?: string; event_id?: string } | undefined)?.event_id === firstEvent.event_id && e.content['m.new_content'] !== undefined);
    expect(edit.sender).toBe(carolGhost);
    expect(edit.content).toMatchObject({ body: '* First, edited', 'm.new_content': { body: 'First, edited' }, 'm.relates_to': { rel_type: 'm.replace', event_id: firstEvent.event_id } });
    await requestJson(api(`/comments/${reply.id}`), { method: 'DELETE', ...as(alice) });
    expect((await eventIn(roomId, 'the reply redacted', redactionOf(replyEvent.event_id))).sender).toBe(aliceGhost);
    await requestJson(api(`/comments/${first.id}`), { method: 'DELETE', ...as(alice) });
    expect((await eventIn(roomId, 'the moderated comment redacted', redactionOf(firstEvent.event_id))).sender).toBe(aliceGhost);

    // A web reaction on the post: an annotation from the reactor's ghost; its removal a redaction.
    await requestJson(api(`/posts/${post.id}/reactions/${encodeURIComponent('👍')}`), { method: 'PUT', ...as(carol) });
    const reaction = await eventIn(roomId, 'the reaction', (e) => e.type === 'm.reaction' && e.sender === carolGhost);
    expect(reaction.content).toEqual({ 'm.relates_to': { rel_type: 'm.annotation', event_id: root.event_id, key: '👍' } });
    await requestJson(api(`/posts/${post.id}/reactions/${encodeURIComponent('👍')}`), { method: 'DELETE', ...as(carol) });
    expect((await eventIn(roomId, 'the reaction redacted', redactionOf(reaction.event_id))).sender).toBe(carolGhost);
  });

  it('creates an existing blog room on an alias query; an alias of no blog is unknown', async () => {
    const carol = await signUp(mirage, 'carol');
    const resolved = await requestJson<{ room_id: string }>(`${synapse.url}/_matrix/client/v3/directory/room/${encodeURIComponent(blogAlias(carol.name))}`, as(bobUser));
    expect(resolved.room_id).toMatch(/^!/);
    const missing = requestJson(`${synapse.url}/_matrix/client/v3/directory/room/${encodeURIComponent(blogAlias(uniqueLocalpart('nobody').toLowerCase()))}`, as(bobUser));
    await expect(missing).rejects.toMatchObject({ status: 404 });
  });
});
