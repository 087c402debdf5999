import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';

const synapse = injectedSynapse();
let mirage: MirageProcess;

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-api-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    // A small write budget, set the way an operator would, so its wiring is tested too.
    env: { MIRAGE_API_RATE_LIMITS_WRITE_BURST_PER_ACCOUNT: '12', MIRAGE_API_RATE_LIMITS_WRITES_PER_MINUTE_PER_ACCOUNT: '1' },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
});

afterAll(async () => {
  await mirage?.stop();
});

describe('the JSON API of a running Mirage', () => {
  it('signs up, chats with rendered and sanitized Markdown, blogs, and wakes a long-poll', async () => {
    const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;
    const alice = await requestJson<{ accessToken: string; user: { matrixId: string } }>(api('/accounts'), { body: { username: 'alice', password: 'correct horse battery' } });
    expect(alice.user.matrixId).toBe(`@mirage_alice:${synapse.serverName}`);
    const bob = await requestJson<{ accessToken: string }>(api('/accounts'), { body: { username: 'bob', password: 'correct horse battery' } });
    const dm = await requestJson<{ id: string }>(api('/dms'), { body: { handle: 'bob' }, accessToken: alice.accessToken });

    const { next } = await requestJson<{ next: string }>(api('/sync'), { accessToken: bob.accessToken });
    const poll = requestJson<{ events: { kind: string }[] }>(api(`/sync?since=${encodeURIComponent(next)}&timeout=30000`), { accessToken: bob.accessToken });
    const message = await requestJson<{ html: string }>(api(`/rooms/${dm.id}/messages`), {
      body: { body: '**hi** [x](javascript:alert(1)) <img src=x onerror=alert(1)>' },
      accessToken: alice.accessToken,
    });
    expect(message.html).toContain('<strong>hi</strong>');
    // Raw HTML in Markdown is shown as text, and the javascript: link loses its href.
    expect(message.html).not.toMatch(/<img|href="javascript|<[a-z]+[^>]* on[a-z]+=/i);
    expect(message.html).toContain('&lt;img');
    expect((await poll).events.map((e) => e.kind)).toContain('message.created');

    const post = await requestJson<{ id: string; slug: string; html: string }>(api('/blogs/alice/posts'), {
      body: { title: 'Hello, Matrix!', body: '# Hi\n\nA *post*.', published: true },
      accessToken: alice.accessToken,
    });
    expect(post.slug).toBe('hello-matrix');
    expect(post.html).toContain('<em>post</em>');
    const page = await requestJson<{ posts: { id: string }[] }>(api('/blogs/alice/posts'));
    expect(page.posts.map((p) => p.id)).toContain(post.id);

    const doc = await requestJson<{ paths: Record<string, unknown> }>(api('/openapi.json'));
    expect(Object.keys(doc.paths).length).toBeGreaterThan(20);
  });

  it('refuses an account its 13th change in a burst, with Retry-After, as configured', async () => {
    const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;
    const carol = await requestJson<{ accessToken: string }>(api('/accounts'), { body: { username: 'carol', password: 'correct horse battery' } });
    const room = await requestJson<{ id: string }>(api('/rooms'), { body: { name: 'flood' }, accessToken: carol.accessToken });
    const send = () =>
      fetch(api(`/rooms/${room.id}/messages`), {
        method: 'POST',
        headers: { authorization: `Bearer ${carol.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ body: 'again' }),
      });
    for (let i = 2; i <= 12; i++) expect((await send()).status, `write ${i}`).toBe(201);
    const refused = await send();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
  });

  it('tells an anonymous caller of /health only ok or degraded, and the operations token the details', async () => {
    const anonymous = await fetch(`${mirage.apiUrl}/health`);
    expect(await anonymous.json()).toEqual({ status: 'ok' });
    const guessed = await fetch(`${mirage.apiUrl}/health`, { headers: { authorization: 'Bearer guessed-token' } });
    expect(await guessed.json()).toEqual({ status: 'ok' });
    // The harness runs Mirage with an operations token and reads the details with it.
    expect(await mirage.health()).toMatchObject({ status: 'ok', homeserver: { reachable: true, appservicePing: { ok: true } } });
  });
});
