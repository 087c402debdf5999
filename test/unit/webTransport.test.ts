import { describe, expect, it, vi } from 'vitest';
import { ApiFailure, nextDelay, type SessionChange, Transport } from '../../src/web/client/transport.js';

type Call = { method: string; path: string; headers: Record<string, string>; body: unknown };
type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | 'network-error';

/** A server made of answer queues per "METHOD path-without-query"; every call is recorded. */
function fakeServer(routes: Record<string, Answer[] | ((call: Call) => Answer)>) {
  const calls: Call[] = [];
  const fetch = (async (input: string, init: RequestInit) => {
    const path = String(input);
    const call: Call = { method: init.method ?? 'GET', path, headers: { ...(init.headers as Record<string, string>) }, body: init.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(call);
    const route = routes[`${call.method} ${path.split('?')[0]}`];
    const answer = typeof route === 'function' ? route(call) : route?.shift();
    if (!answer) throw new Error(`unexpected ${call.method} ${path}`);
    if (answer === 'network-error') throw new TypeError('fetch failed');
    return new Response(answer.status === 204 ? null : JSON.stringify(answer.body ?? {}), { status: answer.status, headers: answer.headers });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

const user = { name: 'alice', displayName: 'Alice', avatarUrl: '', matrixId: '@mirage_alice:example.org' };
const tokens = (accessToken: string) => ({ status: 200, body: { accessToken, expiresIn: 900, user } });

describe('web client transport: session', () => {
  it('signs in asking for a cookie-held refresh token and sends the access token as a bearer', async () => {
    const server = fakeServer({ 'POST /api/v1/sessions': [tokens('a1')], 'GET /api/v1/rooms': [{ status: 200, body: { rooms: [] } }] });
    const transport = new Transport({ fetch: server.fetch });
    await transport.signIn('alice', 'pw');
    await transport.rooms();
    expect(server.calls[0]!.body).toEqual({ username: 'alice', password: 'pw', refreshIn: 'cookie' });
    expect(server.calls[1]!.headers.Authorization).toBe('Bearer a1');
  });

  it('refreshes once through the cookie route with the CSRF header when concurrent calls meet a 401, then retries them', async () => {
    const seen: string[] = [];
    const server = fakeServer({
      'POST /api/v1/sessions': [tokens('old')],
      'POST /api/v1/sessions/refresh': [tokens('new')],
      'GET /api/v1/rooms': (call) => {
        seen.push(call.headers.Authorization!);
        return call.headers.Authorization === 'Bearer new' ? { status: 200, body: { rooms: [] } } : { status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'expired' } } };
      },
    });
    const transport = new Transport({ fetch: server.fetch });
    await transport.signIn('alice', 'pw');
    await Promise.all([transport.rooms(), transport.rooms()]);
    const refreshes = server.calls.filter((c) => c.path === '/api/v1/sessions/refresh');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.headers['X-Mirage-CSRF']).toBe('1');
    expect(refreshes[0]!.body).toBeUndefined();
    expect(seen.filter((s) => s === 'Bearer new')).toHaveLength(2);
  });

  it('tells listeners the session expired when the refresh is refused, and forgets the token', async () => {
    const server = fakeServer({
      'POST /api/v1/sessions': [tokens('a1')],
      'POST /api/v1/sessions/refresh': [{ status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'no session' } } }],
      'GET /api/v1/rooms': [{ status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'expired' } } }],
    });
    const transport = new Transport({ fetch: server.fetch });
    const changes: SessionChange['kind'][] = [];
    transport.onSession((c) => changes.push(c.kind));
    await transport.signIn('alice', 'pw');
    await expect(transport.rooms()).rejects.toMatchObject({ status: 401 });
    expect(changes).toEqual(['signedIn', 'expired']);
    expect(transport.signedIn).toBe(false);
  });

  it('renews the access token before it expires, without waiting for a 401', async () => {
    vi.useFakeTimers();
    try {
      const server = fakeServer({
        'POST /api/v1/sessions': [{ status: 200, body: { accessToken: 'short', expiresIn: 100, user } }],
        'POST /api/v1/sessions/refresh': [tokens('renewed')],
        'GET /api/v1/rooms': [{ status: 200, body: { rooms: [] } }],
      });
      const transport = new Transport({ fetch: server.fetch });
      await transport.signIn('alice', 'pw');
      await vi.advanceTimersByTimeAsync(79_000);
      expect(server.calls.filter((c) => c.path === '/api/v1/sessions/refresh')).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(server.calls.filter((c) => c.path === '/api/v1/sessions/refresh')).toHaveLength(1);
      await transport.rooms();
      expect(server.calls.at(-1)!.headers.Authorization).toBe('Bearer renewed');
      await transport.signOut().catch(() => undefined);
    } finally {
      vi.useRealTimers();
    }
  });

  it('resumes a session from the refresh cookie on load, and signs out through the cookie route', async () => {
    const server = fakeServer({ 'POST /api/v1/sessions/refresh': [tokens('r1')], 'DELETE /api/v1/sessions': [{ status: 204 }] });
    const transport = new Transport({ fetch: server.fetch });
    const changes: SessionChange['kind'][] = [];
    transport.onSession((c) => changes.push(c.kind));
    expect(await transport.resume()).toBe(true);
    await transport.signOut();
    const logout = server.calls.find((c) => c.method === 'DELETE')!;
    expect(logout.headers['X-Mirage-CSRF']).toBe('1');
    expect(logout.headers.Authorization).toBe('Bearer r1');
    expect(changes).toEqual(['signedIn', 'signedOut']);
  });

  it('resume without a cookie is simply signed out, not expired', async () => {
    const server = fakeServer({ 'POST /api/v1/sessions/refresh': [{ status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'none' } } }] });
    const transport = new Transport({ fetch: server.fetch });
    const changes: string[] = [];
    transport.onSession((c) => changes.push(c.kind));
    expect(await transport.resume()).toBe(false);
    expect(changes).toEqual([]);
  });

  it('reports the server error code, and NETWORK when nothing answered', async () => {
    const server = fakeServer({ 'POST /api/v1/sessions': [{ status: 409, body: { error: { code: 'CONFLICT', message: 'taken' } } }, 'network-error'] });
    const transport = new Transport({ fetch: server.fetch });
    await expect(transport.signIn('a', 'b')).rejects.toMatchObject({ status: 409, code: 'CONFLICT', message: 'taken' });
    await expect(transport.signIn('a', 'b')).rejects.toBeInstanceOf(ApiFailure);
    await expect(transport.signIn('a', 'b').catch((e: ApiFailure) => e.code)).resolves.toBe('NETWORK');
  });
});

describe('web client transport: long-poll sync', () => {
  it('reconnects after failures with capped, jittered back-off, honours Retry-After, keeps its position and reports connectivity', async () => {
    const answers: Answer[] = [
      { status: 200, body: { events: [], next: 's1' } },
      'network-error',
      'network-error',
      { status: 503, body: { error: { code: 'OVERLOADED', message: 'busy' } }, headers: { 'retry-after': '7' } },
      { status: 200, body: { events: [{ kind: 'message.created', roomId: 'r', data: { type: 'message.created', roomId: 'r', messageId: 'm', by: 'bob', at: '' } }], next: 's2' } },
    ];
    const server = fakeServer({ 'POST /api/v1/sessions': [tokens('a1')], 'GET /api/v1/sync': answers });
    const sleeps: number[] = [];
    const connectivity: boolean[] = [];
    const transport = new Transport({ fetch: server.fetch, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) });
    await transport.signIn('alice', 'pw');
    const got = await new Promise<string[]>((resolve) => {
      const stop = transport.startSync({
        events: (events) => {
          stop();
          resolve(events.map((e) => e.data.messageId!));
        },
        gap: () => undefined,
        connectivity: (online) => connectivity.push(online),
      });
    });
    expect(got).toEqual(['m']);
    expect(sleeps).toEqual([500, 1000, 7000]);
    expect(connectivity).toEqual([true, false, true]);
    const polls = server.calls.filter((c) => c.path.startsWith('/api/v1/sync'));
    expect(new URL(polls[0]!.path, 'http://x').searchParams.get('since')).toBeNull();
    expect(polls.slice(1).map((c) => new URL(c.path, 'http://x').searchParams.get('since'))).toEqual(['s1', 's1', 's1', 's1']);
  });

  it('starts over from now and reports a gap when the server no longer knows its position', async () => {
    const server = fakeServer({
      'POST /api/v1/sessions': [tokens('a1')],
      'GET /api/v1/sync': [
        { status: 200, body: { events: [], next: 'old' } },
        { status: 400, body: { error: { code: 'INVALID_INPUT', message: 'bad since' } } },
        { status: 200, body: { events: [{ kind: 'room.created', data: { type: 'room.created', roomId: 'r', by: 'b', at: '' } }], next: 'n' } },
      ],
    });
    const transport = new Transport({ fetch: server.fetch, sleep: async () => undefined });
    await transport.signIn('alice', 'pw');
    let gaps = 0;
    await new Promise<void>((resolve) => {
      const stop = transport.startSync({ events: () => (stop(), resolve()), gap: () => gaps++, connectivity: () => undefined });
    });
    expect(gaps).toBe(1);
    const polls = server.calls.filter((c) => c.path.startsWith('/api/v1/sync'));
    expect(new URL(polls[2]!.path, 'http://x').searchParams.get('since')).toBeNull();
  });

  it('back-off grows to its cap and never below half the base', () => {
    expect(nextDelay(1, { baseMs: 1000, capMs: 30_000 }, () => 1)).toBe(1000);
    expect(nextDelay(4, { baseMs: 1000, capMs: 30_000 }, () => 1)).toBe(8000);
    expect(nextDelay(50, { baseMs: 1000, capMs: 30_000 }, () => 1)).toBe(30_000);
    expect(nextDelay(50, { baseMs: 1000, capMs: 30_000 }, () => 0)).toBe(500);
  });
});
