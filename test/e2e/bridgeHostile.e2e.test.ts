import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { allPlatformMessages, matrixTimeline, platformMessages, sendRaw, sendState, sharedRoom, signUp, waitFor, type WebUser } from './harness/bridgeRoom.js';
import { injectedRegistration, injectedSynapse } from './harness/context.js';
import { HttpError, requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { registerUser, type TestUser, uniqueLocalpart } from './harness/users.js';

/*
 * Malformed and hostile Matrix events into a portal never crash Mirage, never stall the room and
 * never put unsafe HTML on the platform; a message the platform cannot take is answered with a
 * delivery status and one notice.
 */

const synapse = injectedSynapse();
let mirage: MirageProcess;
let alice: WebUser;
let bob: TestUser;
let room: { roomId: string; portal: string };
const botId = `@mirage:${synapse.serverName}`;

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-hostile-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: false } },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  alice = await signUp(mirage, 'alice');
  bob = await registerUser(synapse, uniqueLocalpart('bob'));
  room = await sharedRoom(mirage, synapse, alice, bob);
});

afterAll(async () => {
  await mirage?.stop();
});

/** Hands events to Mirage in an appservice transaction, as the homeserver does (events from other servers arrive unchecked). */
async function deliverAsHomeserver(events: Array<Record<string, unknown>>): Promise<void> {
  const { hsToken } = await injectedRegistration();
  const stamped = events.map((e, i) => ({ room_id: room.portal, sender: bob.userId, event_id: `$hostile${Date.now()}_${i}`, origin_server_ts: Date.now(), ...e }));
  await requestJson(`http://127.0.0.1:${inject('appservicePort')}/_matrix/app/v1/transactions/hostile-${Date.now()}`, {
    method: 'PUT',
    body: { events: stamped },
    accessToken: hsToken,
  });
}

const XSS = '<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a><iframe src="https://evil.example"></iframe>';

describe('hostile events into a portal', () => {
  it('neither crash Mirage nor stall the room, and leave no unsafe HTML on the platform', async () => {
    // Through the homeserver when it takes the event from a client, else as it would relay it from another server.
    const send = async (content: Record<string, unknown>, type = 'm.room.message') => {
      try {
        await sendRaw(synapse, bob, room.portal, type, content);
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        await deliverAsHomeserver([{ type, content }]);
      }
    };
    // Shapes the homeserver refuses from its own clients but may relay from other servers: handed over as the homeserver would.
    await deliverAsHomeserver([
      { type: 'm.room.message', content: { msgtype: 'm.text', body: 42 } },
      { type: 'm.room.message', content: { msgtype: 'm.text', body: { nested: ['x'] } } },
      { type: 'm.room.message', content: { msgtype: 12, body: 'numeric msgtype' } },
      { type: 'm.room.message', content: { msgtype: 'm.text' } },
      { type: 'm.room.message', content: { msgtype: 'm.text', body: 'relates_to not an object', 'm.relates_to': 'nope' } },
      { type: 'm.room.message', content: { msgtype: 'm.text', body: 'reply to a number', 'm.relates_to': { 'm.in_reply_to': { event_id: 7 } } } },
      { type: 'm.reaction', content: { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$x', key: 7 } } },
      { type: 'm.reaction', content: { 'm.relates_to': [] } },
      { type: 'm.room.redaction', content: { redacts: { not: 'an id' } } },
      { type: 'm.room.member', content: { membership: 12 }, state_key: bob.userId },
      { type: 'm.room.message', content: ['not', 'an', 'object'] },
      { type: 'm.room.message', content: { msgtype: 'm.text', body: 'no sender' }, sender: null },
    ]);
    await send({ msgtype: 'm.location', body: 'somewhere', geo_uri: 'geo:0,0' });
    await send({ msgtype: 'm.image', body: 'x', url: 'javascript:alert(1)' });
    await send({ msgtype: 'm.text', body: 'x'.repeat(30_000) });
    await send({ msgtype: 'm.text', body: 'reply to nothing', 'm.relates_to': { 'm.in_reply_to': { event_id: '$doesnotexist' } } });
    await send({ msgtype: 'm.text', body: 'thread of nothing', 'm.relates_to': { rel_type: 'm.thread', event_id: '$doesnotexist', is_falling_back: true } });
    await send({ msgtype: 'm.text', body: '* edit of nothing', 'm.new_content': { msgtype: 'm.text', body: 'x' }, 'm.relates_to': { rel_type: 'm.replace', event_id: '$doesnotexist' } });
    await send({ 'm.relates_to': { rel_type: 'm.annotation', event_id: '$doesnotexist', key: '👍' } }, 'm.reaction');
    await send({ 'm.relates_to': { rel_type: 'm.annotation', key: 7 } }, 'm.reaction');
    await send({ msgtype: 'm.text', body: 'html payload', format: 'org.matrix.custom.html', formatted_body: XSS });
    await send({ msgtype: 'm.text', body: `markdown payload ${XSS} [click](javascript:alert(1)) ![i](javascript:alert(1))` });
    await send({ msgtype: 'm.text', body: 'deep html', format: 'org.matrix.custom.html', formatted_body: '<div>'.repeat(5_000) + 'deep' + '</div>'.repeat(5_000) });
    await send({ msgtype: 'm.text', body: `${'> '.repeat(5_000)}deep quote` });
    await send({ msgtype: 'm.text', body: 'custom type' }, 'org.example.custom');
    await send({ membership: 'join' }, 'm.room.member');
    // State spoofing: a "message" set as room state, and state the homeserver refuses to a plain member.
    // The homeserver refuses these to a plain member; another server could still relay them.
    for (const [type, stateKey, content] of [
      ['m.room.message', '', { msgtype: 'm.text', body: 'message as state' }],
      ['m.room.member', `@mirage_${alice.name}:${synapse.serverName}`, { membership: 'leave' }],
      ['m.bridge', 'spoof', { bridgebot: bob.userId }],
    ] as const) {
      await sendState(synapse, bob, room.portal, type, stateKey, content).catch(() => deliverAsHomeserver([{ type, state_key: stateKey, content }]));
    }
    await send({ msgtype: 'm.text', body: 'still here' });

    await expect.poll(async () => (await platformMessages(mirage, room.roomId, alice)).map((m) => m.body), { timeout: 60_000 }).toContain('still here');
    expect((await mirage.health()).status).toBe('ok');
    const messages = await allPlatformMessages(mirage, room.roomId, alice);
    for (const message of messages) {
      // Escaped text may mention anything; no real element, handler or script URL may survive.
      expect(message.html).not.toMatch(/<(script|iframe|object|embed|style)\b/i);
      expect(message.html).not.toMatch(/<[^>]+\son[a-z]+\s*=/i);
      expect(message.html).not.toMatch(/<[^>]+(href|src)\s*=\s*["']?\s*javascript:/i);
    }
    const bodies = messages.map((m) => m.body);
    expect(bodies).not.toContain('message as state');
    expect(bodies).not.toContain('custom type');
    expect(bodies).toEqual(expect.arrayContaining(['relates_to not an object', 'reply to a number', 'reply to nothing', 'thread of nothing', 'still here']));
    expect(messages.find((m) => m.body === 'reply to nothing')?.parentId).toBeUndefined();
    expect(messages.find((m) => m.body === 'thread of nothing')?.threadId).toBeUndefined();
    // Alice's membership was not touched by the spoofed state.
    const members = (await (await fetch(`${mirage.apiUrl}/api/v1/rooms/${room.roomId}`, { headers: { authorization: `Bearer ${alice.accessToken}` } })).json()) as { members: { member: string; membership: string }[] };
    expect(members.members).toContainEqual(expect.objectContaining({ member: alice.name, membership: 'join' }));
  });

  it('answers a message the platform cannot take (over its 20,000-character limit) with one delivery status and one notice', async () => {
    const tooLong = await sendRaw(synapse, bob, room.portal, 'm.room.message', { msgtype: 'm.text', body: 'y'.repeat(20_001) });
    const unsupported = await sendRaw(synapse, bob, room.portal, 'm.room.message', { msgtype: 'm.location', body: 'here', geo_uri: 'geo:1,1' });
    await sendRaw(synapse, bob, room.portal, 'm.room.message', { msgtype: 'm.text', body: 'after the refusals' });
    const statusesOf = (events: Awaited<ReturnType<typeof matrixTimeline>>, eventId: string) =>
      events.filter((e) => e.type === 'com.beeper.message_send_status' && (e.content['m.relates_to'] as { event_id?: string } | undefined)?.event_id === eventId);
    const noticesOf = (events: Awaited<ReturnType<typeof matrixTimeline>>, eventId: string) =>
      events.filter((e) => e.type === 'm.room.message' && e.content.msgtype === 'm.notice' && (e.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id === eventId);
    await expect.poll(async () => noticesOf(await matrixTimeline(synapse, bob, room.portal), unsupported).length, { timeout: 60_000 }).toBe(1);
    await expect.poll(async () => (await platformMessages(mirage, room.roomId, alice)).map((m) => m.body), { timeout: 60_000 }).toContain('after the refusals');
    await mirage.waitForHealth((h) => h.queues.outbox === 0 && h.queues.roomEvents === 0);
    const events = await matrixTimeline(synapse, bob, room.portal);
    for (const [eventId, reason] of [[tooLong, 'm.event_not_handled'], [unsupported, 'm.unsupported']] as const) {
      const statuses = statusesOf(events, eventId);
      expect(statuses).toHaveLength(1);
      expect(statuses[0]).toMatchObject({ sender: botId, content: { status: 'FAIL_PERMANENT', reason, 'm.relates_to': { rel_type: 'm.reference', event_id: eventId } } });
      const notices = noticesOf(events, eventId);
      expect(notices).toHaveLength(1);
      expect(notices[0]!.sender).toBe(botId);
      expect(String(notices[0]!.content.body)).toMatch(/^⚠️ Not delivered to Mirage: /);
    }
    expect((await platformMessages(mirage, room.roomId, alice)).some((m) => m.body.startsWith('yyyy'))).toBe(false);
    const metrics = await (await fetch(`${mirage.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/mirage_bridge_delivery_failures_total\{direction="to_platform",reason="invalid"\} [1-9]/);
    expect(metrics).toMatch(/mirage_bridge_delivery_failures_total\{direction="to_platform",reason="unsupported"\} [1-9]/);
  });

  it('answers a Matrix user who is in the portal but not a member on the platform (a third person in a DM) with a delivery status from the DM ghost', async () => {
    const dm = await requestJson<{ id: string }>(`${mirage.apiUrl}/api/v1/dms`, { body: { handle: bob.userId }, accessToken: alice.accessToken });
    const alias = `#mirage_${dm.id}:${synapse.serverName}`;
    const portal = await waitFor('the DM portal joined', async () => {
      try {
        return (await requestJson<{ room_id: string }>(`${synapse.url}/_matrix/client/v3/join/${encodeURIComponent(alias)}`, { body: {}, accessToken: bob.accessToken })).room_id;
      } catch {
        return undefined;
      }
    });
    // Matrix lets Bob bring Carol in; the platform keeps DMs for two.
    const carol = await registerUser(synapse, uniqueLocalpart('carol'));
    await requestJson(`${synapse.url}/_matrix/client/v3/rooms/${encodeURIComponent(portal)}/invite`, { body: { user_id: carol.userId }, accessToken: bob.accessToken });
    await requestJson(`${synapse.url}/_matrix/client/v3/rooms/${encodeURIComponent(portal)}/join`, { body: {}, accessToken: carol.accessToken });
    const eventId = await sendRaw(synapse, carol, portal, 'm.room.message', { msgtype: 'm.text', body: 'can anyone hear me?' });
    const ghost = `@mirage_${alice.name}:${synapse.serverName}`;
    const status = await waitFor('the delivery status', async () =>
      (await matrixTimeline(synapse, carol, portal)).find((e) => e.type === 'com.beeper.message_send_status' && (e.content['m.relates_to'] as { event_id?: string })?.event_id === eventId),
    );
    expect(status).toMatchObject({ sender: ghost, content: { status: 'FAIL_PERMANENT', reason: 'm.no_permission' } });
    const notices = (await matrixTimeline(synapse, carol, portal)).filter(
      (e) => e.content.msgtype === 'm.notice' && (e.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } })?.['m.in_reply_to']?.event_id === eventId,
    );
    expect(notices).toHaveLength(1);
    expect(notices[0]!.sender).toBe(ghost);
    expect((await platformMessages(mirage, dm.id, alice)).map((m) => m.body)).not.toContain('can anyone hear me?');
  });
});
