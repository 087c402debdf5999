import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { MatrixClient, MatrixEvent } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { injectedRegistration, injectedSynapse } from './harness/context.js';
import { HttpError, requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { createClient, registerUser, stopClient, uniqueLocalpart, waitForEvent } from './harness/users.js';

const synapse = injectedSynapse();
const botId = `@mirage:${synapse.serverName}`;
let mirage: MirageProcess;
let mirageDir: string;
let alice: MatrixClient;
let aliceToken: string;
let dmRoomId: string;
let apiPort: number;

const start = (homeserverUrl = synapse.url) =>
  startMirage({
    dir: mirageDir,
    homeserverUrl,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    apiPort,
  });

const inReplyTo = (event: MatrixEvent): string | undefined =>
  (event.getContent()['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id;

/** Sends a command and resolves with the bot's reply to it. */
async function command(body: string): Promise<{ eventId: string; reply: MatrixEvent }> {
  const { event_id: eventId } = await alice.sendTextMessage(dmRoomId, body);
  const reply = await waitForEvent(alice, dmRoomId, (e) => e.getSender() === botId && inReplyTo(e) === eventId, 20_000);
  return { eventId, reply };
}

/** Every bot reply in the DM, by the event it answers (read from the server, not the client's cache). */
async function repliesByCause(): Promise<Map<string, number>> {
  const url = `${synapse.url}/_matrix/client/v3/rooms/${encodeURIComponent(dmRoomId)}/messages?dir=b&limit=1000`;
  const { chunk } = await requestJson<{ chunk: { sender: string; content: Record<string, unknown> }[] }>(url, { accessToken: aliceToken });
  const counts = new Map<string, number>();
  for (const e of chunk) {
    const cause = (e.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id;
    if (e.sender === botId && cause) counts.set(cause, (counts.get(cause) ?? 0) + 1);
  }
  return counts;
}

const idle = (h: { queues: { inbox: number; roomEvents: number; outbox: number } }) => h.queues.inbox === 0 && h.queues.roomEvents === 0 && h.queues.outbox === 0;

beforeAll(async () => {
  mirageDir = await mkdtemp(join(inject('workDir'), 'mirage-bot-'));
  apiPort = (await import('./harness/ports.js').then((m) => m.freePort()));
  mirage = await start();
  const user = await registerUser(synapse, uniqueLocalpart('alice'));
  aliceToken = user.accessToken;
  alice = await createClient(synapse, user);
});

afterAll(async () => {
  if (alice) stopClient(alice);
  await mirage?.stop();
});

describe('Mirage against a real Synapse', () => {
  it('is registered with Synapse and the homeserver → Mirage ping succeeds', async () => {
    const health = await mirage.waitForHealth((h) => h.status === 'ok');
    expect(health.homeserver).toMatchObject({ reachable: true, ready: true, appservicePing: { ok: true } });
    const registration = await injectedRegistration();
    // Synapse 1.163 sometimes answers a ping 502 "AlreadyCancelled"/"AlreadyCalled" when it races its
    // own transaction sender (a Twisted error on its side, seen in its log); a few tries ride that out.
    let ping: { duration_ms: number } | undefined;
    for (let attempt = 1; ping === undefined; attempt++) {
      try {
        ping = await requestJson<{ duration_ms: number }>(
          `${synapse.url}/_matrix/client/v1/appservice/${registration.id}/ping`,
          { accessToken: registration.asToken, body: { transaction_id: `e2e-ping-${attempt}` } },
        );
      } catch (error) {
        if (attempt >= 5 || !/502.*Already(Cancelled|Called)/.test(String(error))) throw error;
      }
    }
    expect(ping.duration_ms).toBeGreaterThanOrEqual(0);
    const profile = await requestJson<{ displayname: string }>(`${synapse.url}/_matrix/client/v3/profile/${encodeURIComponent(botId)}`);
    expect(profile.displayname).toBe('Mirage');
  });

  it('joins a DM it is invited to and answers help and ping', async () => {
    const { room_id } = await alice.createRoom({ is_direct: true, invite: [botId], preset: 'trusted_private_chat' as never });
    dmRoomId = room_id;
    await waitForEvent(alice, dmRoomId, (e) => e.getType() === 'm.room.member' && e.getStateKey() === botId && e.getContent().membership === 'join', 20_000);
    await waitForEvent(alice, dmRoomId, (e) => e.getSender() === botId && String(e.getContent().body).includes('!mirage help'));

    const help = await command('!mirage help');
    expect(help.reply.getContent().msgtype).toBe('m.notice');
    for (const name of ['!mirage help', '!mirage ping', '!mirage version']) expect(help.reply.getContent().body).toContain(name);
    expect(help.reply.getContent().formatted_body).toContain('<code>!mirage ping</code>');

    const ping = await command('!mirage ping');
    expect(ping.reply.getContent().body).toMatch(/^Pong!/);
    const unknown = await command('!mirage frobnicate');
    expect(unknown.reply.getContent().body).toContain('Unknown command');
  });

  it('handles a transaction sent twice once, refuses a wrong hs_token and malformed bodies', async () => {
    const registration = await injectedRegistration();
    const asUrl = `http://127.0.0.1:${inject('appservicePort')}/_matrix/app/v1/transactions`;
    const pingEvent = (eventId: string) => ({
      events: [
        {
          type: 'm.room.message',
          room_id: dmRoomId,
          sender: alice.getUserId(),
          event_id: eventId,
          origin_server_ts: Date.now(),
          content: { msgtype: 'm.text', body: '!mirage ping' },
        },
      ],
    });
    const put = (id: string, body: unknown, token = registration.hsToken) =>
      requestJson(`${asUrl}/${id}`, { method: 'PUT', body, accessToken: token });

    // A well-formed command under a wrong token: it must not be handled (no reply to it, ever).
    const refusedEventId = `$refused-${Date.now()}`;
    await expect(put(`e2e-wrong-token-${Date.now()}`, pingEvent(refusedEventId), 'not-the-token')).rejects.toMatchObject({
      status: 403,
      errcode: 'M_FORBIDDEN',
    });
    for (const malformed of [{}, { events: 'x' }, { events: [42] }]) {
      const error = await put('e2e-malformed', malformed).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ status: 400, errcode: 'M_BAD_JSON' });
    }

    const eventId = `$replayed-${Date.now()}`;
    const txnId = `e2e-dup-${Date.now()}`;
    await put(txnId, pingEvent(eventId));
    await put(txnId, pingEvent(eventId));
    // Events of one room are handled and answered in order: once a later command in the same
    // room is answered, a second reply to the replayed one would already have been sent.
    await command('!mirage version');
    const replies = await repliesByCause();
    expect(replies.get(eventId)).toBe(1);
    expect(replies.has(refusedEventId)).toBe(false);

    const metrics = await (await fetch(`${mirage.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/mirage_appservice_transactions_total\{result="duplicate"\} [1-9]/);
    expect(metrics).toMatch(/mirage_appservice_auth_failures_total\{reason="mismatch"\} [1-9]/);
  });

  it('survives well-formed transactions full of malformed events', async () => {
    const registration = await injectedRegistration();
    const junk = {
      events: [
        {},
        { type: 'm.room.message', room_id: dmRoomId, sender: 5, event_id: '$j1', content: {} },
        { type: 'm.room.message', room_id: dmRoomId, sender: alice.getUserId(), event_id: '$j2', content: 'text' },
        { type: 'm.room.message', room_id: dmRoomId, sender: alice.getUserId(), event_id: '$j3', content: { msgtype: 'm.text', body: 42 } },
        { type: 'm.room.member', room_id: '!nowhere:invalid', sender: '@x:invalid', event_id: '$j4', state_key: botId, content: { membership: 'invite' } },
        { type: 'm.room.message', room_id: dmRoomId, sender: alice.getUserId(), event_id: '$j5', content: { msgtype: 'm.text', body: '!mirage "unclosed' } },
      ],
    };
    await requestJson(`http://127.0.0.1:${inject('appservicePort')}/_matrix/app/v1/transactions/e2e-junk-${Date.now()}`, {
      method: 'PUT',
      body: junk,
      accessToken: registration.hsToken,
    });
    await mirage.waitForHealth(idle);
    const ping = await command('!mirage ping');
    expect(ping.reply.getContent().body).toMatch(/^Pong!/);
  });

  it('restarted while Synapse keeps running, it still answers and handles no event twice', async () => {
    const before = await repliesByCause();
    expect(await mirage.stop()).toBe(0);

    // Sent while Mirage is down: Synapse keeps the transaction and retries it.
    const { event_id: whileDown } = await alice.sendTextMessage(dmRoomId, '!mirage version');
    mirage = await start();
    await mirage.waitForHealth((h) => h.status === 'ok');
    await waitForEvent(alice, dmRoomId, (e) => e.getSender() === botId && inReplyTo(e) === whileDown, 60_000);

    const after = await command('!mirage ping');
    expect(after.reply.getContent().body).toMatch(/^Pong!/);

    await mirage.kill();
    mirage = await start();
    await mirage.waitForHealth((h) => h.status === 'ok' && idle(h));
    const again = await command('!mirage ping');
    expect(again.reply.getContent().body).toMatch(/^Pong!/);

    const final = await repliesByCause();
    for (const [cause, count] of final) expect(count, `replies to ${cause}`).toBe(1);
    for (const cause of before.keys()) expect(final.get(cause)).toBe(1);
    expect(final.get(whileDown)).toBe(1);
  });
});
