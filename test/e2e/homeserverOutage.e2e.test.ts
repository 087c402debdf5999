import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MatrixClient, MatrixEvent } from 'matrix-js-sdk';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageOptions, type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { freePort } from './harness/ports.js';
import { TcpProxy } from './harness/tcpProxy.js';
import { createClient, registerUser, stopClient, uniqueLocalpart, waitForEvent } from './harness/users.js';

const ONE_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const synapse = injectedSynapse();
const botId = `@mirage:${synapse.serverName}`;

/** What a test started; each test starts its own and the hook below stops it. */
let started: { proxy?: TcpProxy; mirage?: MirageProcess; client?: MatrixClient } = {};

afterEach(async () => {
  const { proxy, mirage, client } = started;
  started = {};
  if (client) stopClient(client);
  await mirage?.stop();
  await proxy?.stop();
});

/** A Mirage whose only way to the homeserver is a proxy the test can stop and start (not started yet). */
async function mirageBehindProxy(extra?: MirageOptions['extra']): Promise<{ proxy: TcpProxy; mirage: MirageProcess; dir: string }> {
  const target = new URL(synapse.url);
  const proxy = new TcpProxy(await freePort(), { host: target.hostname, port: Number(target.port) });
  started.proxy = proxy;
  const dir = await mkdtemp(join(inject('workDir'), 'mirage-outage-'));
  const mirage = await startMirage({
    dir,
    homeserverUrl: `http://127.0.0.1:${proxy.port}`,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    ...(extra ? { extra } : {}),
  });
  started.mirage = mirage;
  return { proxy, mirage, dir };
}

/** A new user with a DM the bot has joined. */
async function dmWithBot(): Promise<{ client: MatrixClient; roomId: string }> {
  const user = await registerUser(synapse, uniqueLocalpart('bob'));
  const client = await createClient(synapse, user);
  started.client = client;
  const { room_id: roomId } = await client.createRoom({ is_direct: true, invite: [botId] });
  await waitForEvent(client, roomId, (e) => e.getStateKey() === botId && e.getContent().membership === 'join', 20_000);
  return { client, roomId };
}

const repliesTo = (eventId: string) => (e: MatrixEvent) =>
  e.getSender() === botId && e.getContent()['m.relates_to']?.['m.in_reply_to']?.event_id === eventId;

describe('homeserver outages', () => {
  it('starts and serves without the homeserver, says so, and becomes functional once it answers', async () => {
    const dir = await mkdtemp(join(inject('workDir'), 'mirage-avatar-'));
    const avatar = join(dir, 'avatar.png');
    await writeFile(avatar, Buffer.from(ONE_PIXEL_PNG, 'base64'));
    const { proxy, mirage } = await mirageBehindProxy({ bot: { displayName: 'Mirage (outage test)', avatar } });

    const down = await mirage.waitForHealth((h) => h.homeserver.problem?.includes('unreachable') === true);
    expect(down).toMatchObject({ status: 'degraded', homeserver: { reachable: false, ready: false } });
    expect(down.homeserver.problem).toContain(`127.0.0.1:${proxy.port}`);
    // /health may answer before the warning is written: wait for the line itself.
    await mirage.waitForOutput(/homeserver not usable; retrying/);

    await proxy.start();
    const up = await mirage.waitForHealth((h) => h.status === 'ok', 30_000);
    expect(up.homeserver).toMatchObject({ reachable: true, ready: true, appservicePing: { ok: true } });
    const profile = await requestJson<{ displayname: string; avatar_url?: string }>(
      `${synapse.url}/_matrix/client/v3/profile/${encodeURIComponent(botId)}`,
    );
    expect(profile.displayname).toBe('Mirage (outage test)');
    expect(profile.avatar_url).toMatch(/^mxc:\/\/localhost\//);

    const { client, roomId } = await dmWithBot();
    const { event_id: eventId } = await client.sendTextMessage(roomId, '!mirage ping');
    const reply = await waitForEvent(client, roomId, repliesTo(eventId), 20_000);
    expect(reply.getContent().body).toMatch(/^Pong!/);
  });

  it('queues replies while the homeserver is away and sends them when it is back', async () => {
    const { proxy, mirage } = await mirageBehindProxy();
    await proxy.start();
    await mirage.waitForHealth((h) => h.status === 'ok', 30_000);
    const { client, roomId } = await dmWithBot();

    await proxy.stop();
    // The command reaches Mirage straight from Synapse; the reply cannot leave.
    const { event_id: eventId } = await client.sendTextMessage(roomId, '!mirage version');
    const queued = await mirage.waitForHealth((h) => h.queues.outbox > 0 && !h.homeserver.reachable, 20_000);
    expect(queued.status).toBe('degraded');
    await proxy.start();
    const reply = await waitForEvent(client, roomId, repliesTo(eventId), 60_000);
    expect(reply.getContent().body).toMatch(/^Mirage /);
    // An outage spends no retry budget: nothing was set aside.
    expect((await mirage.waitForHealth((h) => h.queues.outbox === 0)).queues.deadLetters).toBe(0);
  });
});
