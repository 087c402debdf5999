import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { matrixTimeline, platformMessages, sendRaw, sharedRoom, signUp } from './harness/bridgeRoom.js';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageOptions, type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { freePort } from './harness/ports.js';
import { TcpProxy } from './harness/tcpProxy.js';
import { registerUser, uniqueLocalpart } from './harness/users.js';

/*
 * Exactly once, in order, across a crash and a homeserver outage: Matrix → platform with Mirage
 * killed (SIGKILL) in the middle of a burst, platform → Matrix with the homeserver cut off while
 * web users write.
 */

const synapse = injectedSynapse();
const noLimits = { rateLimits: { writesPerMinutePerAccount: 100_000, writeBurstPerAccount: 100_000, signUpPerHourPerIp: 1000 } };

let started: { mirage?: MirageProcess; proxy?: TcpProxy } = {};
afterEach(async () => {
  const { mirage, proxy } = started;
  started = {};
  await mirage?.stop();
  await proxy?.stop();
});

async function mirageIn(dir: string, options: Partial<MirageOptions> = {}): Promise<MirageProcess> {
  const mirage = await startMirage({
    dir,
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: false }, api: noLimits },
    ...options,
  });
  started.mirage = mirage;
  return mirage;
}

describe('exactly once, in order', () => {
  it('imports a burst of 500 Matrix messages exactly once and in order although Mirage is killed in the middle of it', async () => {
    const dir = await mkdtemp(join(inject('workDir'), 'mirage-burst-'));
    const apiPort = await freePort();
    let mirage = await mirageIn(dir, { apiPort });
    await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
    const alice = await signUp(mirage, 'alice');
    const bob = await registerUser(synapse, uniqueLocalpart('bob'));
    const { roomId, portal } = await sharedRoom(mirage, synapse, alice, bob);

    const fromBob = async () => (await platformMessages(mirage, roomId, alice)).filter((m) => m.sender === bob.userId);
    let restarted: Promise<void> | undefined;
    for (let i = 0; i < 500; i++) {
      await sendRaw(synapse, bob, portal, 'm.room.message', { msgtype: 'm.text', body: `burst ${i}` });
      if (i === 150) {
        // Mirage is importing the burst when it dies; Synapse keeps the rest for it.
        await expect.poll(async () => (await fromBob()).length, { timeout: 60_000, interval: 50 }).toBeGreaterThan(20);
        await mirage.kill();
        started.mirage = undefined;
      }
      if (i === 300) {
        restarted = mirageIn(dir, { apiPort }).then((next) => {
          mirage = next;
        });
      }
    }
    await restarted;
    await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
    await expect.poll(async () => (await fromBob()).length, { timeout: 240_000, interval: 500 }).toBeGreaterThanOrEqual(500);
    const bodies = (await fromBob()).map((m) => m.body);
    expect(bodies).toEqual(Array.from({ length: 500 }, (_, i) => `burst ${i}`));
    // Nothing the bridge imported went back to Matrix.
    const echoes = (await matrixTimeline(synapse, bob, portal)).filter((e) => e.type === 'm.room.message' && e.sender !== bob.userId);
    expect(echoes).toEqual([]);
  }, 420_000);

  it('sends 200 web messages written while the homeserver is cut off exactly once and in order once it is back', async () => {
    const target = new URL(synapse.url);
    const proxy = new TcpProxy(await freePort(), { host: target.hostname, port: Number(target.port) });
    started.proxy = proxy;
    await proxy.start();
    const mirage = await mirageIn(await mkdtemp(join(inject('workDir'), 'mirage-cutoff-')), { homeserverUrl: `http://127.0.0.1:${proxy.port}` });
    await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
    const alice = await signUp(mirage, 'alice');
    const carol = await signUp(mirage, 'carol');
    const bob = await registerUser(synapse, uniqueLocalpart('bob'));
    const { roomId, portal } = await sharedRoom(mirage, synapse, alice, bob, [carol.name]);
    await requestJson(`${mirage.apiUrl}/api/v1/rooms/${roomId}/members`, { body: { handle: carol.name }, accessToken: carol.accessToken });
    const ghosts = [alice, carol].map((u) => `@mirage_${u.name}:${synapse.serverName}`);
    const ghostMessages = async () =>
      (await matrixTimeline(synapse, bob, portal)).filter((e) => e.type === 'm.room.message' && ghosts.includes(e.sender)).map((e) => e.content.body);
    // Carol's ghost is in the portal before the cut.
    await expect
      .poll(async () => (await matrixTimeline(synapse, bob, portal)).some((e) => e.type === 'm.room.member' && e.sender === ghosts[1] && e.content.membership === 'join'), {
        timeout: 60_000,
      })
      .toBe(true);

    await proxy.stop();
    await mirage.waitForHealth((h) => !h.homeserver.reachable, 30_000);
    const expected: string[] = [];
    for (let i = 0; i < 200; i++) {
      const writer = i % 2 === 0 ? alice : carol;
      expected.push(`out ${i}`);
      await requestJson(`${mirage.apiUrl}/api/v1/rooms/${roomId}/messages`, { body: { body: `out ${i}` }, accessToken: writer.accessToken });
    }
    expect((await mirage.health()).queues.outbox).toBeGreaterThan(0);
    await proxy.start();
    // Cut again while the queue drains: sends in flight are lost and retried with their transaction IDs.
    await expect.poll(async () => (await ghostMessages()).length, { timeout: 120_000, interval: 100 }).toBeGreaterThan(30);
    await proxy.stop();
    await mirage.waitForHealth((h) => !h.homeserver.reachable, 30_000);
    await proxy.start();

    await expect.poll(async () => (await ghostMessages()).length, { timeout: 240_000, interval: 500 }).toBeGreaterThanOrEqual(200);
    await mirage.waitForHealth((h) => h.queues.outbox === 0, 60_000);
    expect(await ghostMessages()).toEqual(expected);
    expect((await mirage.health()).queues.deadLetters).toBe(0);
  }, 420_000);
});
