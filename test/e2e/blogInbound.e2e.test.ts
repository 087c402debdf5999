import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { EventType, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { matrixTimeline, signUp, waitFor, type WebUser } from './harness/bridgeRoom.js';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { createClient, registerUser, stopClient, type TestUser, uniqueLocalpart, waitForEvent } from './harness/users.js';

/*
 * Matrix users in a web user's blog room (matrix-js-sdk): their thread replies under a post,
 * in-thread replies and reactions reach the post's comments and counts through the API, their
 * redactions take them back; a blocked commenter and closed comments are refused with a delivery
 * status and a notice and never reach the API; someone else's top-level message is taken back.
 * A Matrix owner writes posts as top-level messages in their blog room, edits and deletes them
 * there, and moderates comments by redacting them.
 */

const synapse = injectedSynapse();
let mirage: MirageProcess;
let alice: WebUser;
let aliceGhost: string;
let bobUser: TestUser;
let daveUser: TestUser;
let carolUser: TestUser;
let bob: MatrixClient | undefined;
let dave: MatrixClient | undefined;
let carol: MatrixClient | undefined;
let blogRoom: string;

interface ApiComment {
  id: string;
  author: string;
  authorProfile: { displayName: string };
  body: string;
  parentId?: string;
  depth: number;
  deleted: boolean;
  deletedBy?: string;
}

interface ApiPost {
  id: string;
  title: string;
  commentsOpen: boolean;
  reactions: Record<string, number>;
  commentCount: number;
}

const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;
const comments = async (postId: string) => (await requestJson<{ comments: ApiComment[] }>(api(`/posts/${postId}/comments?limit=100`))).comments;
const getPost = (postId: string) => requestJson<ApiPost>(api(`/posts/${postId}`));
const threadTo = (root: string, replyTo?: string) =>
  replyTo === undefined
    ? { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } }
    : { rel_type: 'm.thread', event_id: root, is_falling_back: false, 'm.in_reply_to': { event_id: replyTo } };

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-blog-inbound-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: false } },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  alice = await signUp(mirage, 'alice');
  aliceGhost = `@mirage_${alice.name}:${synapse.serverName}`;
  bobUser = await registerUser(synapse, uniqueLocalpart('bob'));
  daveUser = await registerUser(synapse, uniqueLocalpart('dave'));
  carolUser = await registerUser(synapse, uniqueLocalpart('carol'));
  bob = await createClient(synapse, bobUser);
  carol = await createClient(synapse, carolUser);
  await bob.setDisplayName('Bob in Matrix');
  dave = await createClient(synapse, daveUser);
});

afterAll(async () => {
  for (const client of [bob, dave, carol]) if (client) stopClient(client);
  await mirage?.stop();
});

/** Publishes a post on the web and resolves with it and its event in the blog room, as Bob sees it. */
async function publish(title: string, body: string): Promise<{ post: ApiPost; event: MatrixEvent }> {
  const post = await requestJson<ApiPost>(api(`/blogs/${alice.name}/posts`), { body: { title, body }, accessToken: alice.accessToken });
  const event = await waitForEvent(bob!, blogRoom, (e) => e.getType() === EventType.RoomMessage && e.getSender() === aliceGhost && String(e.getContent().body).includes(title), 60_000);
  return { post, event };
}

/** The bot's delivery status and notice about `eventId`, as `user` reads the room. */
async function refusalOf(user: TestUser, eventId: string): Promise<{ status: Record<string, unknown>; notice: Record<string, unknown> }> {
  return waitFor(`the refusal of ${eventId}`, async () => {
    const timeline = await matrixTimeline(synapse, user, blogRoom);
    const status = timeline.find((e) => e.type === 'com.beeper.message_send_status' && (e.content['m.relates_to'] as { event_id?: string } | undefined)?.event_id === eventId);
    const notice = timeline.find(
      (e) => e.type === 'm.room.message' && e.content.msgtype === 'm.notice' && (e.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id === eventId,
    );
    return status && notice ? { status: { sender: status.sender, ...status.content }, notice: { sender: notice.sender, ...notice.content } } : undefined;
  });
}

/** The redaction of `eventId` in the blog room, once `user` can read it. */
function redactionOf(user: TestUser, eventId: string): Promise<{ sender: string }> {
  return waitFor(`the redaction of ${eventId}`, async () =>
    (await matrixTimeline(synapse, user, blogRoom)).find((e) => e.type === 'm.room.redaction' && (e.redacts === eventId || e.content.redacts === eventId)),
  );
}

describe("Matrix users in a web user's blog room", () => {
  it('join the blog room by its alias and see a post published on the web', async () => {
    const alias = `#mirage_blog_${alice.name}:${synapse.serverName}`;
    // Publishing creates the room; joining by alias works once it is there.
    await requestJson(api(`/blogs/${alice.name}/posts`), { body: { title: 'Welcome', body: 'The first post.' }, accessToken: alice.accessToken });
    blogRoom = await waitFor('the blog room joined', async () => {
      try {
        return (await bob!.joinRoom(alias)).roomId;
      } catch {
        return undefined;
      }
    });
    await dave!.joinRoom(alias);
    await waitForEvent(bob!, blogRoom, (e) => e.getType() === EventType.RoomMessage && e.getSender() === aliceGhost && String(e.getContent().body).includes('Welcome'), 60_000);
  });

  it("turns a thread reply and a reaction into a comment and a count, an in-thread reply into a nested reply, and redactions take them back", async () => {
    const { post, event } = await publish('Threads are comments', 'Reply in the thread.');
    const root = event.getId()!;
    const { event_id: commentEvent } = await bob!.sendMessage(blogRoom, { msgtype: 'm.text', body: 'Great **post**', format: 'org.matrix.custom.html', formatted_body: 'Great <strong>post</strong>', 'm.relates_to': threadTo(root) } as never);
    const { event_id: reaction } = await bob!.sendEvent(blogRoom, EventType.Reaction, { 'm.relates_to': { rel_type: 'm.annotation', event_id: root, key: '👍' } } as never);

    await expect.poll(async () => (await comments(post.id)).map((c) => [c.author, c.body, c.depth]), { timeout: 60_000 }).toEqual([[bobUser.userId, 'Great **post**', 0]]);
    await expect.poll(async () => (await getPost(post.id)).reactions, { timeout: 60_000 }).toEqual({ '👍': 1 });
    const [comment] = await comments(post.id);
    // Shown on the web with his Matrix display name.
    await expect.poll(async () => (await comments(post.id))[0]?.authorProfile.displayName, { timeout: 60_000 }).toBe('Bob in Matrix');

    const { event_id: replyEvent } = await dave!.sendMessage(blogRoom, { msgtype: 'm.text', body: 'Agreed', 'm.relates_to': threadTo(root, commentEvent) } as never);
    await expect.poll(async () => (await comments(post.id)).find((c) => c.body === 'Agreed'), { timeout: 60_000 }).toMatchObject({ author: daveUser.userId, parentId: comment!.id, depth: 1 });

    // Bob's edit of his reply is the comment's edit.
    await bob!.sendMessage(blogRoom, { msgtype: 'm.text', body: '* Great post!', 'm.new_content': { msgtype: 'm.text', body: 'Great post!' }, 'm.relates_to': { rel_type: 'm.replace', event_id: commentEvent } } as never);
    await expect.poll(async () => (await comments(post.id)).find((c) => c.id === comment!.id)?.body, { timeout: 60_000 }).toBe('Great post!');

    await dave!.redactEvent(blogRoom, replyEvent);
    await bob!.redactEvent(blogRoom, reaction);
    await expect.poll(async () => (await comments(post.id)).map((c) => c.body), { timeout: 60_000 }).toEqual(['Great post!']);
    await expect.poll(async () => (await getPost(post.id)).reactions, { timeout: 60_000 }).toEqual({});
    await bob!.redactEvent(blogRoom, commentEvent);
    await expect.poll(async () => (await comments(post.id)).length, { timeout: 60_000 }).toBe(0);
  });

  it("refuses a blocked Matrix user's thread reply and replies on closed comments with a status and a notice, and they never reach the API", async () => {
    const { post, event } = await publish('Moderated', 'Careful here.');
    const root = event.getId()!;
    await requestJson(api(`/blogs/${alice.name}`), { method: 'PATCH', body: { blockedCommenters: [daveUser.userId] }, accessToken: alice.accessToken });
    const { event_id: blocked } = await dave!.sendMessage(blogRoom, { msgtype: 'm.text', body: 'let me in', 'm.relates_to': threadTo(root) } as never);
    const refusal = await refusalOf(daveUser, blocked);
    expect(refusal.status).toMatchObject({ status: 'FAIL_PERMANENT', reason: 'm.no_permission', 'm.relates_to': { rel_type: 'm.reference', event_id: blocked } });
    expect(refusal.notice).toMatchObject({ sender: refusal.status.sender, 'm.relates_to': { rel_type: 'm.thread', event_id: root } });
    expect(String(refusal.notice.body)).toContain('does not take comments from you');

    await requestJson(api(`/posts/${post.id}`), { method: 'PATCH', body: { commentsOpen: false }, accessToken: alice.accessToken });
    const { event_id: closed } = await bob!.sendMessage(blogRoom, { msgtype: 'm.text', body: 'too late?', 'm.relates_to': threadTo(root) } as never);
    expect(String((await refusalOf(bobUser, closed)).notice.body)).toContain('comments are closed');

    // Bob's comment after reopening arrives: the refused ones were never applied, not even late.
    await requestJson(api(`/posts/${post.id}`), { method: 'PATCH', body: { commentsOpen: true }, accessToken: alice.accessToken });
    await bob!.sendMessage(blogRoom, { msgtype: 'm.text', body: 'open again', 'm.relates_to': threadTo(root) } as never);
    await expect.poll(async () => (await comments(post.id)).map((c) => c.body), { timeout: 60_000 }).toEqual(['open again']);
  });

  it("takes back someone else's top-level message with a notice", async () => {
    const { post, event } = await publish('Main timeline', 'Only the owner writes here.');
    const { event_id: stray } = await bob!.sendMessage(blogRoom, { msgtype: 'm.text', body: 'A post of my own\nin her blog' } as never);
    const refusal = await refusalOf(bobUser, stray);
    expect(String(refusal.notice.body)).toContain("reply in a post's thread");
    expect((await redactionOf(bobUser, stray)).sender).toBe(refusal.status.sender);
    const posts = await requestJson<{ posts: ApiPost[] }>(api(`/blogs/${alice.name}/posts`));
    expect(posts.posts.map((p) => p.title)).not.toContain('A post of my own');
    // The post itself is untouched: a thread reply under it still becomes its comment.
    await bob!.sendMessage(blogRoom, { msgtype: 'm.text', body: 'in the thread', 'm.relates_to': threadTo(event.getId()!) } as never);
    await expect.poll(async () => (await comments(post.id)).map((c) => c.body), { timeout: 60_000 }).toEqual(['in the thread']);
  });

  it("nest an in-thread reply under a web comment; the owner's moderation from the web redacts a Matrix user's reply", async () => {
    const { post, event } = await publish('Both sides', 'Web and Matrix comments.');
    const webComment = await requestJson<ApiComment>(api(`/posts/${post.id}/comments`), { body: { body: 'from the web' }, accessToken: alice.accessToken });
    const webEvent = await waitForEvent(bob!, blogRoom, (e) => e.getSender() === aliceGhost && e.getContent().body === 'from the web', 60_000);
    expect(webEvent.getContent()['m.relates_to']).toMatchObject({ rel_type: 'm.thread', event_id: event.getId() });

    const { event_id: replyEvent } = await bob!.sendMessage(blogRoom, { msgtype: 'm.text', body: 'answering the web', 'm.relates_to': threadTo(event.getId()!, webEvent.getId()!) } as never);
    let reply: ApiComment | undefined;
    await expect.poll(async () => (reply = (await comments(post.id)).find((c) => c.body === 'answering the web')), { timeout: 60_000 }).toMatchObject({ parentId: webComment.id, depth: 1 });

    await requestJson(api(`/comments/${reply!.id}`), { method: 'DELETE', accessToken: alice.accessToken });
    expect((await redactionOf(bobUser, replyEvent)).sender).toBe(aliceGhost);
    expect((await comments(post.id)).map((c) => c.body)).toEqual(['from the web']);
  });
});

describe('a Matrix user who owns a blog, in its room', () => {
  it('posts with a top-level message, edits and deletes it there, and moderates a comment by redacting it', async () => {
    const botId = `@mirage:${synapse.serverName}`;
    const { room_id: dm } = await carol!.createRoom({ is_direct: true, invite: [botId], preset: 'trusted_private_chat' as never });
    await waitForEvent(carol!, dm, (e) => e.getSender() === botId && e.getType() === EventType.RoomMessage, 60_000);
    await carol!.sendMessage(dm, { msgtype: 'm.text', body: "!blog create Carol's notes" } as never);
    const alias = `#mirage_blog_${carolUser.userId.slice(1).replace(/:/g, '=3a')}:${synapse.serverName}`;
    const room = await waitFor("Carol's blog room joined", async () => {
      try {
        return (await carol!.joinRoom(alias)).roomId;
      } catch {
        return undefined;
      }
    });
    await bob!.joinRoom(alias);
    const blogPosts = async () => (await requestJson<{ posts: Array<ApiPost & { body: string }> }>(api(`/blogs/${encodeURIComponent(carolUser.userId)}/posts`))).posts;

    const { event_id: postEvent } = await carol!.sendMessage(room, { msgtype: 'm.text', body: '# From Element\n\nWritten **here**.', format: 'org.matrix.custom.html', formatted_body: '<h1>From Element</h1>\n<p>Written <strong>here</strong>.</p>' } as never);
    await expect.poll(async () => (await blogPosts()).map((p) => [p.title, p.body]), { timeout: 60_000 }).toEqual([['From Element', 'Written **here**.']]);
    const [post] = await blogPosts();

    await carol!.sendMessage(room, { msgtype: 'm.text', body: '* From Element, edited\nWritten here, then edited.', 'm.new_content': { msgtype: 'm.text', body: 'From Element, edited\nWritten here, then edited.' }, 'm.relates_to': { rel_type: 'm.replace', event_id: postEvent } } as never);
    await expect.poll(async () => (await getPost(post!.id)).title, { timeout: 60_000 }).toBe('From Element, edited');

    const { event_id: commentEvent } = await bob!.sendMessage(room, { msgtype: 'm.text', body: 'off topic', 'm.relates_to': threadTo(postEvent) } as never);
    await expect.poll(async () => (await comments(post!.id)).map((c) => c.body), { timeout: 60_000 }).toEqual(['off topic']);
    await carol!.redactEvent(room, commentEvent);
    await expect.poll(async () => (await comments(post!.id)).length, { timeout: 60_000 }).toBe(0);

    await carol!.redactEvent(room, postEvent);
    await expect.poll(async () => (await blogPosts()).length, { timeout: 60_000 }).toBe(0);
  }, 180_000);
});
