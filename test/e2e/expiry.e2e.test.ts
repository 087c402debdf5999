import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EventType, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { injectedSynapse } from './harness/context.js';
import { HttpError, requestJson } from './harness/http.js';
import { type MirageProcess, type MirageOptions, startMirage } from './harness/mirageProcess.js';
import { createClient, registerUser, stopClient, type TestUser, uniqueLocalpart, waitForEvent } from './harness/users.js';
import { matrixTimeline, type RawEvent, waitFor } from './harness/bridgeRoom.js';

/*
 * Disappearing messages in a portal: `!expire 3s` from Matrix; a message from Matrix and one from
 * the web are redacted in Matrix and gone from the API and sync; no marker of the expired messages
 * is left in any file of the store. Mirage stopped (SIGTERM) and started again in the middle of a
 * timer still expires the message on time.
 */

const synapse = injectedSynapse();
let mirage: MirageProcess;
let options: MirageOptions;
let bob: MatrixClient | undefined;
let bobId: string;
let bobUser: TestUser;
let storeDir: string;
/** Whether the running Mirage was stopped (and not started again). */
let stopped = false;

/** Generous: the machine is shared; what is asserted is that expiry happens, waiting for it. */
const PATIENCE = 60_000;
const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;
const marker = () => `zq${randomBytes(12).toString('hex')}`;

beforeAll(async () => {
  const user = await registerUser(synapse, uniqueLocalpart('bob'));
  bobUser = user;
  bobId = user.userId;
  const dir = await mkdtemp(join(inject('workDir'), 'mirage-expiry-'));
  storeDir = join(dir, 'store');
  options = {
    dir,
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    // Bob runs !expire as a bridge admin (in the portal he has no power of his own).
    extra: { encryption: { enabled: false }, permissions: { admins: [bobId] }, plugins: [{ id: 'expiry', enabled: true }] as never },
  };
  mirage = await startMirage(options);
  await mirage.waitForHealth((h) => h.status === 'ok', PATIENCE);
  bob = await createClient(synapse, user);
});

afterAll(async () => {
  if (bob) stopClient(bob);
  await mirage?.stop();
});

async function invitedRoom(client: MatrixClient): Promise<string> {
  let found: string | undefined;
  await expect.poll(() => (found = client.getRooms().find((room) => room.getMyMembership() === 'invite')?.roomId), { timeout: PATIENCE, interval: 100 }).toBeDefined();
  return found!;
}

/** Which of `needles` some file under `dir` holds, as UTF-8 or UTF-16 bytes. */
async function filesHolding(dir: string, needles: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    let bytes: Buffer;
    try {
      bytes = await readFile(join(entry.parentPath, entry.name));
    } catch {
      continue; // a file compaction removed meanwhile
    }
    for (const needle of needles) if (bytes.includes(Buffer.from(needle, 'utf8')) || bytes.includes(Buffer.from(needle, 'utf16le'))) found.add(needle);
  }
  return [...found];
}

/** Starts Mirage again when a test before stopped it (to scan its files). */
async function ensureRunning(): Promise<void> {
  if (!stopped) return;
  mirage = await startMirage(options);
  await mirage.waitForHealth((h) => h.status === 'ok', PATIENCE);
  stopped = false;
}

const redactionOf = (eventId: string) => (e: MatrixEvent) => e.getType() === EventType.RoomRedaction && (e.event.redacts === eventId || e.getContent().redacts === eventId);

describe('disappearing messages in a portal', () => {
  it('!expire 3s: messages from Matrix and from the web are redacted in Matrix and gone from the API and sync; the store keeps no trace', async () => {
    const name = uniqueLocalpart('alice').toLowerCase();
    const alice = await requestJson<{ accessToken: string }>(api('/accounts'), { body: { username: name, password: 'correct horse battery' } });
    const auth = () => ({ accessToken: alice.accessToken });
    const aliceGhost = `@mirage_${name}:${synapse.serverName}`;
    const room = await requestJson<{ id: string }>(api('/rooms'), { body: { name: 'Expiry', invite: [bobId] }, ...auth() });
    const portal = await invitedRoom(bob!);
    await bob!.joinRoom(portal);
    await expect
      .poll(async () => (await requestJson<{ members: { member: string; membership: string }[] }>(api(`/rooms/${room.id}`), auth())).members.map((m) => m.member), { timeout: PATIENCE })
      .toContain(bobId);
    const { next: since } = await requestJson<{ next: string }>(api('/sync?timeout=0'), auth());

    // The timer, from Matrix: both state events published, as Element and Beeper read them.
    await bob!.sendMessage(portal, { msgtype: 'm.text', body: '!expire 3s' } as never);
    const retention = await waitForEvent(bob!, portal, (e) => e.getType() === 'm.room.retention', PATIENCE);
    expect(retention.getContent()).toEqual({ max_lifetime: 3000 });
    const timer = await waitForEvent(bob!, portal, (e) => e.getType() === 'com.beeper.disappearing_timer', PATIENCE);
    expect(timer.getContent()).toEqual({ type: 'after_send', timer: 3000 });

    const [fromMatrix, fromWeb] = [marker(), marker()];
    const { event_id: matrixEventId } = await bob!.sendMessage(portal, { msgtype: 'm.text', body: `from matrix ${fromMatrix}` } as never);
    const webMessage = await requestJson<{ id: string }>(api(`/rooms/${room.id}/messages`), { body: { body: `from the web ${fromWeb}` }, ...auth() });
    const webEvent = await waitForEvent(bob!, portal, (e) => e.getSender() === aliceGhost && String(e.getContent().body ?? '').includes(fromWeb), PATIENCE);

    // Redacted in Matrix, both of them.
    await waitForEvent(bob!, portal, redactionOf(matrixEventId), PATIENCE);
    await waitForEvent(bob!, portal, redactionOf(webEvent.getId()!), PATIENCE);
    // Gone from the API: the timeline and the message itself.
    const bodies = async () => (await requestJson<{ messages: { id: string; body: string }[] }>(api(`/rooms/${room.id}/messages`), auth())).messages.map((m) => m.body).join('\n');
    await expect.poll(bodies, { timeout: PATIENCE }).not.toContain(fromMatrix);
    expect(await bodies()).not.toContain(fromWeb);
    // Editing it finds nothing: the message itself is gone, not a tombstone.
    await expect(requestJson(api(`/messages/${webMessage.id}`), { method: 'PATCH', body: { body: 'again' }, ...auth() })).rejects.toSatisfy((e) => e instanceof HttpError && e.status === 404);
    // Sync tells of the expiry and carries no content.
    const synced = await requestJson<{ events: { kind: string; data: { messageId?: string } }[] }>(api(`/sync?since=${encodeURIComponent(since)}&timeout=0`), auth());
    expect(synced.events.filter((e) => e.kind === 'message.expired').map((e) => e.data.messageId)).toContain(webMessage.id);
    expect(JSON.stringify(synced)).not.toContain(fromWeb);
    expect(JSON.stringify(synced)).not.toContain(fromMatrix);

    // No trace in the store's files once compacted (compaction runs after each expiry).
    await expect.poll(() => filesHolding(storeDir, [fromMatrix, fromWeb]), { timeout: PATIENCE, interval: 500 }).toEqual([]);
    await mirage.stop();
    stopped = true;
    expect(await filesHolding(storeDir, [fromMatrix, fromWeb])).toEqual([]);
  }, 6 * PATIENCE);
  it('a restart in the middle of a TTL: Mirage stopped while the timer runs and started before it is due still expires the message within TTL + 2 s of its send; edits from the web and from Matrix are redacted with their messages', async () => {
    // Long enough for a stop and a start on a loaded machine; what is asserted is Mirage's own record of when it expired.
    const ttlSeconds = 30;
    await ensureRunning();
    const name = uniqueLocalpart('carol').toLowerCase();
    const carol = await requestJson<{ accessToken: string }>(api('/accounts'), { body: { username: name, password: 'correct horse battery' } });
    const auth = () => ({ accessToken: carol.accessToken });
    const ghost = `@mirage_${name}:${synapse.serverName}`;
    const room = await requestJson<{ id: string }>(api('/rooms'), { body: { name: 'Expiry across a restart', invite: [bobId] }, ...auth() });
    const portal = await invitedRoom(bob!);
    await bob!.joinRoom(portal);
    await requestJson(api(`/rooms/${room.id}/expiry`), { method: 'PUT', body: { seconds: ttlSeconds }, ...auth() });
    await waitForEvent(bob!, portal, (e) => e.getType() === 'com.beeper.disappearing_timer' && e.getContent().timer === ttlSeconds * 1000, PATIENCE);

    const text = marker();
    const sent = await requestJson<{ id: string; createdAt: string }>(api(`/rooms/${room.id}/messages`), { body: { body: `across a restart ${text}` }, ...auth() });
    const event = await waitForEvent(bob!, portal, (e) => e.getSender() === ghost && String(e.getContent().body ?? '').includes(text), PATIENCE);
    const redacted = waitForEvent(bob!, portal, redactionOf(event.getId()!), 3 * PATIENCE + ttlSeconds * 1000);

    // Edits, from the web and from Matrix: their events go with their messages.
    const replaces = (eventId: string) => (e: MatrixEvent) => {
      const relation = e.getContent()['m.relates_to'] as { rel_type?: string; event_id?: string } | undefined;
      return relation?.rel_type === 'm.replace' && relation.event_id === eventId;
    };
    const webEditSeen = waitForEvent(bob!, portal, replaces(event.getId()!), PATIENCE);
    await requestJson(api(`/messages/${sent.id}`), { method: 'PATCH', body: { body: `edited across a restart ${text}` }, ...auth() });
    const webEdit = await webEditSeen;
    const bobText = marker();
    const { event_id: bobEvent } = await bob!.sendMessage(portal, { msgtype: 'm.text', body: `from bob ${bobText}` } as never);
    const { event_id: bobEdit } = await bob!.sendMessage(portal, {
      msgtype: 'm.text',
      body: `* edited by bob ${bobText}`,
      'm.new_content': { msgtype: 'm.text', body: `edited by bob ${bobText}` },
      'm.relates_to': { rel_type: 'm.replace', event_id: bobEvent },
    } as never);
    const bodies = async () => (await requestJson<{ messages: { body: string }[] }>(api(`/rooms/${room.id}/messages`), auth())).messages.map((m) => m.body);
    await expect.poll(bodies, { timeout: PATIENCE }).toContain(`edited by bob ${bobText}`);
    const editsRedacted = Promise.all([webEdit.getId()!, bobEvent, bobEdit].map((id) => waitForEvent(bob!, portal, redactionOf(id), 3 * PATIENCE + ttlSeconds * 1000)));

    // SIGTERM while its timer runs, then up again.
    expect(await mirage.stop()).toBe(0);
    mirage = await startMirage(options);
    await mirage.waitForHealth((h) => h.status === 'ok', PATIENCE);
    // Still there after the restart: the timer spans it (it was started again before the message was due).
    const ids = async () => (await requestJson<{ messages: { id: string }[] }>(api(`/rooms/${room.id}/messages`), auth())).messages.map((m) => m.id);
    expect(await ids()).toContain(sent.id);
    const { next: since } = await requestJson<{ next: string }>(api('/sync?timeout=0'), auth());

    // Expired by the restarted process: its journal records when, which must be within TTL + 2 s of the send.
    let expiredAt: string | undefined;
    await expect
      .poll(
        async () => {
          const synced = await requestJson<{ events: { kind: string; data: { messageId?: string; at: string } }[] }>(api(`/sync?since=${encodeURIComponent(since)}&timeout=0`), auth());
          expiredAt = synced.events.find((e) => e.kind === 'message.expired' && e.data.messageId === sent.id)?.data.at;
          return expiredAt;
        },
        { timeout: PATIENCE + ttlSeconds * 1000, interval: 250 },
      )
      .toBeDefined();
    const lifetime = Date.parse(expiredAt!) - Date.parse(sent.createdAt);
    expect(lifetime).toBeGreaterThanOrEqual(ttlSeconds * 1000);
    expect(lifetime).toBeLessThanOrEqual(ttlSeconds * 1000 + 2000);
    expect(await ids()).not.toContain(sent.id);
    // And redacted in Matrix, with its edit; Bob's message and his edit too, on their own timer.
    await redacted;
    await editsRedacted;
  }, 6 * PATIENCE);
  it("a blog's comment timer: a comment from the web and one from Matrix expire, gone from the API and redacted in Matrix, and the store keeps no trace", async () => {
    await ensureRunning();
    // Long enough to see the web comment in Matrix before it goes.
    const ttlSeconds = 15;
    const name = uniqueLocalpart('dora').toLowerCase();
    const dora = await requestJson<{ accessToken: string }>(api('/accounts'), { body: { username: name, password: 'correct horse battery' } });
    const auth = () => ({ accessToken: dora.accessToken });
    const ghost = `@mirage_${name}:${synapse.serverName}`;
    expect(await requestJson(api(`/blogs/${name}/expiry`), { method: 'PUT', body: { seconds: ttlSeconds }, ...auth() })).toEqual({ seconds: ttlSeconds });
    const post = await requestJson<{ id: string }>(api(`/blogs/${name}/posts`), { body: { title: 'Fleeting', body: 'Comments here go.' }, ...auth() });
    const blogRoom = await waitFor('the blog room joined', async () => {
      try {
        return (await bob!.joinRoom(`#mirage_blog_${name}:${synapse.serverName}`)).roomId;
      } catch {
        return undefined;
      }
    });
    const timeline = () => matrixTimeline(synapse, bobUser, blogRoom);
    const eventWith = (what: string, match: (e: RawEvent) => boolean) => waitFor(what, async () => (await timeline()).find(match), PATIENCE);
    const postEvent = await eventWith('the post', (e) => e.sender === ghost && (e.content['org.mirage.post'] as { id?: string } | undefined)?.id === post.id);

    const [fromWeb, fromMatrix] = [marker(), marker()];
    const webComment = await requestJson<{ id: string }>(api(`/posts/${post.id}/comments`), { body: { body: `from the web ${fromWeb}` }, ...auth() });
    const thread = { rel_type: 'm.thread', event_id: postEvent.event_id, is_falling_back: true, 'm.in_reply_to': { event_id: postEvent.event_id } };
    const { event_id: matrixComment } = await bob!.sendMessage(blogRoom, { msgtype: 'm.text', body: `from matrix ${fromMatrix}`, 'm.relates_to': thread } as never);
    const webEvent = await eventWith('the web comment', (e) => e.sender === ghost && String(e.content.body ?? '').includes(fromWeb));

    // Both redacted in Matrix, both gone from the API.
    await eventWith('the redaction of the web comment', (e) => e.type === 'm.room.redaction' && (e.redacts === webEvent.event_id || e.content.redacts === webEvent.event_id));
    await eventWith('the redaction of the Matrix comment', (e) => e.type === 'm.room.redaction' && (e.redacts === matrixComment || e.content.redacts === matrixComment));
    const bodies = async () => JSON.stringify(await requestJson(api(`/posts/${post.id}/comments`), auth()));
    await expect.poll(bodies, { timeout: PATIENCE }).not.toContain(fromMatrix);
    expect(await bodies()).not.toContain(fromWeb);
    await expect(requestJson(api(`/comments/${webComment.id}`), { method: 'PATCH', body: { body: 'again' }, ...auth() })).rejects.toSatisfy((e) => e instanceof HttpError && e.status === 404);

    // No trace in the store's files once compacted.
    await expect.poll(() => filesHolding(storeDir, [fromWeb, fromMatrix]), { timeout: PATIENCE, interval: 500 }).toEqual([]);
    await mirage.stop();
    stopped = true;
    expect(await filesHolding(storeDir, [fromWeb, fromMatrix])).toEqual([]);
  }, 6 * PATIENCE);
  it('after_read: a message expires only once the other member read it (a Matrix read receipt, a web read marker); unread, it stays past its TTL', async () => {
    await ensureRunning();
    const name = uniqueLocalpart('erin').toLowerCase();
    const erin = await requestJson<{ accessToken: string }>(api('/accounts'), { body: { username: name, password: 'correct horse battery' } });
    const auth = () => ({ accessToken: erin.accessToken });
    const ghost = `@mirage_${name}:${synapse.serverName}`;
    const room = await requestJson<{ id: string }>(api('/rooms'), { body: { name: 'Read, then gone', invite: [bobId] }, ...auth() });
    const portal = await invitedRoom(bob!);
    await bob!.joinRoom(portal);
    await expect
      .poll(async () => (await requestJson<{ members: { member: string; membership: string }[] }>(api(`/rooms/${room.id}`), auth())).members.filter((m) => m.membership === 'join').map((m) => m.member), { timeout: PATIENCE })
      .toContain(bobId);
    const ttlSeconds = 3;
    expect(await requestJson(api(`/rooms/${room.id}/expiry`), { method: 'PUT', body: { seconds: ttlSeconds, mode: 'after_read' }, ...auth() })).toEqual({ seconds: ttlSeconds, mode: 'after_read' });
    await waitForEvent(bob!, portal, (e) => e.getType() === 'com.beeper.disappearing_timer' && e.getContent().type === 'after_read', PATIENCE);

    const text = marker();
    const unread = await requestJson<{ id: string }>(api(`/rooms/${room.id}/messages`), { body: { body: `read me ${text}` }, ...auth() });
    const event = await waitForEvent(bob!, portal, (e) => e.getSender() === ghost && String(e.getContent().body ?? '').includes(text), PATIENCE);

    // Time passes well beyond its TTL, measured by a control message: on a timer after sending
    // twice as long, it expires — and the unread message is still there.
    await requestJson(api(`/rooms/${room.id}/expiry`), { method: 'PUT', body: { seconds: 2 * ttlSeconds }, ...auth() });
    const control = await requestJson<{ id: string }>(api(`/rooms/${room.id}/messages`), { body: { body: 'control' }, ...auth() });
    const ids = async () => (await requestJson<{ messages: { id: string }[] }>(api(`/rooms/${room.id}/messages`), auth())).messages.map((m) => m.id);
    await expect.poll(ids, { timeout: PATIENCE, interval: 250 }).not.toContain(control.id);
    expect(await ids()).toContain(unread.id);

    // Bob reads it in Element's way (a read receipt): its time starts, and it goes.
    const redacted = waitForEvent(bob!, portal, redactionOf(event.getId()!), 2 * PATIENCE);
    await bob!.sendReadReceipt(event);
    await expect.poll(ids, { timeout: PATIENCE, interval: 250 }).not.toContain(unread.id);
    await redacted;

    // The other way: Bob's message goes once Erin's read marker (from the web) is on it.
    await requestJson(api(`/rooms/${room.id}/expiry`), { method: 'PUT', body: { seconds: ttlSeconds, mode: 'after_read' }, ...auth() });
    await waitForEvent(bob!, portal, (e) => e.getType() === 'com.beeper.disappearing_timer' && e.getContent().type === 'after_read', PATIENCE);
    const bobText = marker();
    const { event_id: bobEvent } = await bob!.sendMessage(portal, { msgtype: 'm.text', body: `from bob ${bobText}` } as never);
    let fromBob: string | undefined;
    await expect
      .poll(async () => (fromBob = (await requestJson<{ messages: { id: string; body: string }[] }>(api(`/rooms/${room.id}/messages`), auth())).messages.find((m) => m.body.includes(bobText))?.id), { timeout: PATIENCE })
      .toBeDefined();
    const bobRedacted = waitForEvent(bob!, portal, redactionOf(bobEvent), 2 * PATIENCE);
    await requestJson(api(`/rooms/${room.id}/read`), { method: 'PUT', body: { messageId: fromBob }, ...auth() });
    await expect.poll(ids, { timeout: PATIENCE, interval: 250 }).not.toContain(fromBob);
    await bobRedacted;
  }, 6 * PATIENCE);
});
