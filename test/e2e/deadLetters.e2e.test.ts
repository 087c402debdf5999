import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { MatrixClient, MatrixEvent } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { injectedSynapse } from './harness/context.js';
import { JoinFailingProxy } from './harness/joinFailingProxy.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { freePort } from './harness/ports.js';
import { createClient, registerUser, stopClient, uniqueLocalpart, waitForEvent } from './harness/users.js';

const synapse = injectedSynapse();
const botId = `@mirage:${synapse.serverName}`;
const MAX_ATTEMPTS = 3;
let mirage: MirageProcess | undefined;
let proxy: JoinFailingProxy;
let admin: MatrixClient | undefined;
let adminRoom: string;

const inReplyTo = (event: MatrixEvent): string | undefined =>
  (event.getContent()['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id;
const botJoined = (e: MatrixEvent) => e.getType() === 'm.room.member' && e.getStateKey() === botId && e.getContent().membership === 'join';

/** Sends a command in the admin's room and resolves with the bot's reply to it. */
async function command(body: string): Promise<string> {
  const { event_id: eventId } = await admin!.sendTextMessage(adminRoom, body);
  const reply = await waitForEvent(admin!, adminRoom, (e) => e.getSender() === botId && inReplyTo(e) === eventId, 30_000);
  return String(reply.getContent().body);
}

beforeAll(async () => {
  proxy = new JoinFailingProxy(await freePort(), new URL(synapse.url));
  await proxy.start();
  const user = await registerUser(synapse, uniqueLocalpart('admin'));
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-deadletters-')),
    homeserverUrl: `http://127.0.0.1:${proxy.port}`,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: {
      appservice: { eventRetry: { maxAttempts: MAX_ATTEMPTS, initialDelayMs: 300, maxDelaySeconds: 1, maxAgeSeconds: 600 } },
      permissions: { admins: [user.userId] },
    },
  });
  await mirage.waitForHealth((h) => h.status === 'ok');
  admin = await createClient(synapse, user);
  ({ room_id: adminRoom } = await admin.createRoom({ is_direct: true, invite: [botId] }));
  await waitForEvent(admin, adminRoom, botJoined, 30_000);
});

afterAll(async () => {
  if (admin) stopClient(admin);
  await mirage?.stop();
  await proxy?.stop();
});

describe('a room whose events keep failing', () => {
  it('does not hold other rooms, is dead-lettered after its budget, listed to the admin, and retried', async () => {
    const { room_id: stuckRoom } = await admin!.createRoom({ name: 'unreachable' });
    proxy.failJoins(stuckRoom);
    // Later refusals wait until the ping below was answered, so the stuck room is provably still failing then.
    let release!: () => void;
    proxy.hold = new Promise<void>((resolve) => (release = resolve));
    await admin!.invite(stuckRoom, botId);
    await expect.poll(() => proxy.refusedJoins.get(stuckRoom) ?? 0, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);

    expect(await command('!mirage ping')).toMatch(/^Pong!/);
    expect((await mirage!.health()).queues.deadLetters).toBe(0);
    expect(proxy.refusedJoins.get(stuckRoom)).toBeLessThan(MAX_ATTEMPTS);
    release();

    // Other events (the admin's own, arriving meanwhile) may still be passing through: the stuck room holds none of them.
    const health = await mirage!.waitForHealth((h) => h.queues.deadLetters === 1 && h.queues.roomEvents === 0, 30_000);
    expect(health.queues.deadLetters).toBe(1);
    expect(proxy.refusedJoins.get(stuckRoom)).toBe(MAX_ATTEMPTS);
    await mirage!.waitForOutput(/event dead-lettered after its retry budget/);
    const metrics = await (await fetch(`${mirage!.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/^mirage_dead_letters_total\{source="inbox"\} 1$/m);
    expect(metrics).toMatch(/^mirage_dead_letters 1$/m);

    const listing = await command('!mirage deadletters');
    expect(listing).toMatch(/^1 dead letter/);
    expect(listing).toContain(`m.room.member`);
    expect(listing).toContain(`in ${stuckRoom}: ${MAX_ATTEMPTS} attempt(s), last error 502 M_UNKNOWN`);
    const id = /#(e\d+) /.exec(listing)?.[1];
    expect(id).toBeDefined();

    // Once the room can be joined, a retry puts the invite back into its lane and the bot joins.
    proxy.allowJoins(stuckRoom);
    expect(await command(`!mirage retry ${id}`)).toBe('Retrying 1 event.');
    await waitForEvent(admin!, stuckRoom, botJoined, 30_000);
    await mirage!.waitForHealth((h) => h.queues.deadLetters === 0 && h.queues.roomEvents === 0);
    expect(await command('!mirage deadletters')).toMatch(/No dead letters/);
  });
});
