import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, newPerson } from './harness/browser.js';
import { injectedSynapse } from './harness/context.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { uniqueLocalpart } from './harness/users.js';

/*
 * In a real browser, the refresh token set as a cookie is out of page script's reach, yet the
 * page's own fetch calls refresh and log out with it; without the CSRF header they are refused.
 */

const synapse = injectedSynapse();
let mirage: MirageProcess;
let browser: Browser;

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-cookie-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: false } },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await mirage?.stop();
});

describe('refresh token in an HttpOnly cookie, in Chromium', () => {
  it('is invisible to page script, refreshes and logs out from the page with X-Mirage-CSRF, and is refused without it', { timeout: 120_000 }, async () => {
    const context = await newPerson(browser);
    const page = await context.newPage();
    // Any page of Mirage's origin will do: the calls below are the page's own, same-origin.
    await page.goto(`${mirage.apiUrl}/health`);
    const call = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
      page.evaluate(
        async ({ method, path, headers, body }) => {
          const res = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
          const text = await res.text();
          // document.cookie: what page script can see of the cookies.
          return { status: res.status, body: text === '' ? undefined : JSON.parse(text), cookie: document.cookie };
        },
        { method, path, headers, body },
      );
    const refreshCookie = async () => (await context.cookies(mirage.apiUrl + '/api/v1/sessions')).find((c) => c.name === 'mirage_refresh');

    const username = uniqueLocalpart('cookie').toLowerCase();
    const signedUp = await call('POST', '/api/v1/accounts', { 'content-type': 'application/json' }, { username, password: 'correct horse battery', refreshIn: 'cookie' });
    expect(signedUp.status).toBe(201);
    expect(signedUp.body.refreshToken).toBeUndefined();
    expect(signedUp.cookie).not.toContain('mirage_refresh');
    const first = await refreshCookie();
    expect(first).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api/v1/sessions' });

    const refused = await call('POST', '/api/v1/sessions/refresh');
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'CSRF_REJECTED' } } });
    // The browser sends its own Origin with the POST: the page's, so the check passes.
    const refreshed = await call('POST', '/api/v1/sessions/refresh', { 'x-mirage-csrf': '1' });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ accessToken: expect.any(String), user: { name: username } });
    expect(refreshed.body.refreshToken).toBeUndefined();
    expect((await refreshCookie())!.value).not.toBe(first!.value);
    const me = await call('GET', '/api/v1/me/profile', { authorization: `Bearer ${refreshed.body.accessToken}` });
    expect(me.status).toBe(200);

    expect((await call('DELETE', '/api/v1/sessions', { 'x-mirage-csrf': '1' })).status).toBe(204);
    expect(await refreshCookie()).toBeUndefined();
    expect((await call('GET', '/api/v1/me/profile', { authorization: `Bearer ${refreshed.body.accessToken}` })).status).toBe(401);
    await context.close();
  });
});
