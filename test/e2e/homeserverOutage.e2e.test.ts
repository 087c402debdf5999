import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MatrixClient } from 'matrix-js-sdk';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { freePort } from './harness/ports.js';
import { TcpProxy } from './harness/tcpProxy.js';
import { createClient, registerUser, stopClient, uniqueLocalpart, waitForEvent } from './harness/users.js';

const ONE_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const synapse = injectedSynapse();
const botId = `@mirage:${synapse.serverName}`;
let mirage: MirageProcess | undefined;
let proxy: TcpProxy | undefined;
let client: MatrixClient | undefined;

afterAll(async () => {
  if (client) stopClient(client);
  await mirage?.stop();
  await proxy?.stop();
});

describe('homeserver outages', () => {
  it('starts and serves without the homeserver, says so, and becomes functional once it answers', async () => {
    const target = new URL(synapse.url);
    proxy = new TcpProxy(await freePort(), { host: target.hostname, port: Number(target.port) });
    const dir = await mkdtemp(join(inject('workDir'), 'mirage-outage-'));
    const avatar = join(dir, 'avatar.png');
    await writeFile(avatar, Buffer.from(ONE_PIXEL_PNG, 'base64'));
    mirage = await startMirage({
      dir,
      extra: { bot: { displayName: 'Mirage (outage test)', avatar } },
      homeserverUrl: `http://127.0.0.1:${proxy.port}`,
      serverName: synapse.serverName,
      registrationPath: inject('registrationPath'),
      appservicePort: inject('appservicePort'),
    });

    const down = await mirage.waitForHealth((h) => h.homeserver.problem?.includes('unreachable') === true);
    expect(down).toMatchObject({ status: 'degraded', homeserver: { reachable: false, ready: false } });
    expect(down.homeserver.problem).toContain(`127.0.0.1:${proxy.port}`);
    expect(mirage.output.join('\n')).toMatch(/homeserver not usable; retrying/);

    await proxy.start();
    const up = await mirage.waitForHealth((h) => h.status === 'ok', 30_000);
    expect(up.homeserver).toMatchObject({ reachable: true, ready: true, appservicePing: { ok: true } });
    const profile = await requestJson<{ displayname: string; avatar_url?: string }>(
      `${synapse.url}/_matrix/client/v3/profile/${encodeURIComponent(botId)}`,
    );
    expect(profile.displayname).toBe('Mirage (outage test)');
    expect(profile.avatar_url).toMatch(/^mxc:\/\/localhost\//);

    const user = await registerUser(synapse, uniqueLocalpart('bob'));
    client = await createClient(synapse, user);
    const { room_id: roomId } = await client.createRoom({ is_direct: true, invite: [botId] });
    await waitForEvent(client, roomId, (e) => e.getStateKey() === botId && e.getContent().membership === 'join', 20_000);
    const { event_id: eventId } = await client.sendTextMessage(roomId, '!mirage ping');
    const reply = await waitForEvent(
      client,
      roomId,
      (e) => e.getSender() === botId && e.getContent()['m.relates_to']?.['m.in_reply_to']?.event_id === eventId,
      20_000,
    );
    expect(reply.getContent().body).toMatch(/^Pong!/);
  });

  it('queues replies while the homeserver is away and sends them when it is back', async () => {
    if (!mirage || !proxy || !client) throw new Error('previous test did not set up');
    const roomId = client.getRooms().find((r) => r.getMember(botId))!.roomId;
    await proxy.stop();
    // The command reaches Mirage straight from Synapse; the reply cannot leave.
    const { event_id: eventId } = await client.sendTextMessage(roomId, '!mirage version');
    const queued = await mirage.waitForHealth((h) => h.queues.outbox > 0 && !h.homeserver.reachable, 20_000);
    expect(queued.status).toBe('degraded');
    await proxy.start();
    const reply = await waitForEvent(
      client,
      roomId,
      (e) => e.getSender() === botId && e.getContent()['m.relates_to']?.['m.in_reply_to']?.event_id === eventId,
      60_000,
    );
    expect(reply.getContent().body).toMatch(/^Mirage /);
  });
});
