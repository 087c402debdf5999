import { mkdtemp } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { createClient, registerUser, stopClient, uniqueLocalpart, waitForEvent, type TestUser } from './harness/users.js';

/*
 * Third-party plugins loaded by path from a running Mirage (the CLI, as in production), against
 * Synapse: the example plugin's command answered in a portal, its durable hook counting web and
 * Matrix messages (read through its routes); a plugin whose start throws disabled while the rest
 * works; and a plugin holding timers and a handle of its own, all released on SIGTERM.
 */

const synapse = injectedSynapse();
const botId = `@mirage:${synapse.serverName}`;
const fixture = (path: string) => fileURLToPath(new URL(path, import.meta.url));
let mirage: MirageProcess;
let dir: string;
let bobUser: TestUser;
let bob: MatrixClient | undefined;

const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;

beforeAll(async () => {
  dir = await mkdtemp(join(inject('workDir'), 'mirage-plugins-'));
  mirage = await startMirage({
    dir,
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: {
      encryption: { enabled: false },
      plugins: [
        // Relative to the config file, as an operator would write it.
        { id: 'hello', module: relative(dir, fixture('../../plugins/examples/hello/index.ts')).replace(/^(?!\.)/, './'), config: { greeting: 'Howdy' } },
        { id: 'boom', module: fixture('../fixtures/plugins/boom/index.ts') },
        { id: 'ticker', module: fixture('../fixtures/plugins/ticker/index.ts') },
      ],
    },
  });
  bobUser = await registerUser(synapse, uniqueLocalpart('bob'));
  bob = await createClient(synapse, bobUser);
});

afterAll(async () => {
  if (bob) stopClient(bob);
  await mirage?.stop();
});

describe('plugins loaded by path', () => {
  it('a plugin whose start throws is disabled with one error line and a /health entry; the others run', async () => {
    const health = await mirage.waitForHealth((h) => h.homeserver.ready && h.plugins?.hello === 'running', 60_000);
    expect(health.plugins).toEqual({ hello: 'running', boom: 'disabled: boom: no such widget server', ticker: 'running' });
    expect(health.status).toBe('degraded');
    expect(mirage.output.filter((line) => line.includes('plugin boom disabled'))).toHaveLength(1);
  });

  it("adds a command answered in a portal, a hook that counts web and Matrix messages, and routes showing the count", async () => {
    const name = uniqueLocalpart('alice').toLowerCase();
    const alice = await requestJson<{ accessToken: string }>(api('/accounts'), { body: { username: name, password: 'correct horse battery' } });
    const auth = { accessToken: alice.accessToken };
    const room = await requestJson<{ id: string }>(api('/rooms'), { body: { name: 'Plugin test', invite: [bobUser.userId] }, ...auth });
    let portal: string | undefined;
    await expect.poll(() => (portal = bob!.getRooms().find((r) => r.getMyMembership() === 'invite')?.roomId), { timeout: 30_000, interval: 100 }).toBeDefined();
    await bob!.joinRoom(portal!);

    // The command, from Element's side, answered by the bot in the portal.
    const { event_id: commandId } = await bob!.sendTextMessage(portal!, '!hello plugin world');
    const reply = await waitForEvent(
      bob!,
      portal!,
      (e) => e.getSender() === botId && (e.getContent()['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id === commandId,
      30_000,
    );
    expect(reply.getContent()).toMatchObject({ msgtype: 'm.notice', body: 'Howdy, plugin world!' });

    // The hook observes a web message and a Matrix one (not the command): the routes show both.
    await requestJson(api(`/rooms/${room.id}/messages`), { body: { body: 'from the web' }, ...auth });
    await bob!.sendTextMessage(portal!, 'from Matrix');
    await expect
      .poll(async () => (await requestJson<{ messages: number }>(api(`/plugins/hello/rooms/${room.id}/count`), auth)).messages, { timeout: 30_000, interval: 200 })
      .toBe(2);
    expect(await requestJson(api(`/rooms/${room.id}/hello`), auth)).toEqual({ greeting: 'Howdy', roomId: room.id, messages: 2 });
    const openapi = await requestJson<{ paths: Record<string, unknown> }>(api('/openapi.json'));
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/v1/plugins/hello/rooms/{roomId}/count', '/api/v1/rooms/{roomId}/hello']));
  });

  it('stopping Mirage releases every plugin timer and handle: the process exits after SIGTERM', async () => {
    // Only a guard against a hang: the process must exit on its own, with nothing left holding it.
    const exit = await Promise.race([mirage.stop(), new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 60_000).unref())]);
    expect(exit).toBe(0);
    expect(mirage.output.some((line) => line.includes('ticker stopped'))).toBe(true);
    expect(mirage.output.some((line) => line.includes('Mirage stopped'))).toBe(true);
  });
});
