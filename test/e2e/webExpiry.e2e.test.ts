import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, newPerson } from './harness/browser.js';
import { matrixTimeline, platformMessages, type RawEvent, sendRaw, sharedRoom, signUp, waitFor, type WebUser } from './harness/bridgeRoom.js';
import { injectedSynapse } from './harness/context.js';
import type {} from './globalSetup.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { registerUser, type TestUser, uniqueLocalpart } from './harness/users.js';

/*
 * Disappearing messages as a web reader sees them: with a 3 s timer, a message from Element and
 * one typed in the chat client vanish from the open room in the browser, are redacted in Matrix
 * and are gone from the API. (expiry.e2e.test.ts checks the timing against Mirage's own clock.)
 */
const synapse = injectedSynapse();
let mirage: MirageProcess;
let browser: Browser;
let page: Page;
let alice: WebUser;
let carol: TestUser;
let roomId: string;
let portal: string;

const redacted = (event: RawEvent | undefined) =>
  event !== undefined && (event as RawEvent & { unsigned?: { redacted_because?: unknown } }).unsigned?.redacted_because !== undefined && Object.keys(event.content).length === 0;

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-web-expiry-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: false }, plugins: [{ id: 'expiry', enabled: true }] },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  alice = await signUp(mirage, 'alice');
  carol = await registerUser(synapse, uniqueLocalpart('carol'));
  ({ roomId, portal } = await sharedRoom(mirage, synapse, alice, carol));
  browser = await launchBrowser();
  page = await (await newPerson(browser)).newPage();
});

afterAll(async () => {
  await browser?.close();
  await mirage?.stop();
});

describe('disappearing messages in the chat client', () => {
  it('a message from Element and one typed in the browser vanish from the open room, from Matrix and from the API', async () => {
    await page.goto(`${mirage.apiUrl}/app/sign-in`);
    await page.getByLabel('Username').fill(alice.name);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Rooms', level: 1 }).waitFor();
    await page.locator('.room-link', { hasText: 'Bridge test' }).click();
    await page.getByRole('heading', { name: 'Bridge test', level: 1 }).waitFor();

    await requestJson(`${mirage.apiUrl}/api/v1/rooms/${roomId}/expiry`, { method: 'PUT', body: { seconds: 3 }, accessToken: alice.accessToken });
    await waitFor('the timer in Matrix', async () =>
      (await matrixTimeline(synapse, carol, portal)).some((e) => e.type === 'com.beeper.disappearing_timer' && (e.content as { timer?: number }).timer === 3000) || undefined,
    );

    const fromMatrix = `from Element ${uniqueLocalpart('m')}`;
    const fromWeb = `from the web ${uniqueLocalpart('w')}`;
    const matrixEventId = await sendRaw(synapse, carol, portal, 'm.room.message', { msgtype: 'm.text', body: fromMatrix });
    await page.locator('#composer').fill(fromWeb);
    await page.locator('#composer').press('Enter');
    const shown = (text: string) => page.locator('.messages > li', { hasText: text });
    // Both appear live in the open room…
    await shown(fromMatrix).waitFor({ timeout: 30_000 });
    await shown(fromWeb).waitFor({ timeout: 30_000 });
    const webEventId = await waitFor('the web message in Matrix', async () => (await matrixTimeline(synapse, carol, portal)).find((e) => e.content.body === fromWeb)?.event_id);

    // …and go from the page without a reload once their timers run out.
    await shown(fromMatrix).waitFor({ state: 'detached', timeout: 30_000 });
    await shown(fromWeb).waitFor({ state: 'detached', timeout: 30_000 });
    const visible = await page.locator('.messages').textContent();
    expect(visible).not.toContain(fromMatrix);
    expect(visible).not.toContain(fromWeb);

    const timeline = await matrixTimeline(synapse, carol, portal);
    expect(redacted(timeline.find((e) => e.event_id === matrixEventId))).toBe(true);
    expect(redacted(timeline.find((e) => e.event_id === webEventId))).toBe(true);
    const bodies = (await platformMessages(mirage, roomId, alice)).map((m) => m.body);
    expect(bodies).not.toContain(fromMatrix);
    expect(bodies).not.toContain(fromWeb);

    // A reload shows the room without them too.
    await page.reload();
    await page.getByRole('heading', { name: 'Bridge test', level: 1 }).waitFor();
    // The timeline has loaded once it shows messages or says it has none.
    await page.locator('.messages > li, .state-empty').first().waitFor();
    expect(await page.locator('main').textContent()).not.toContain(fromWeb);
  });
});
