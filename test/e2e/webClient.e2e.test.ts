import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, newPerson, saveScreenshot, seriousAxeViolations, watchForInjectedScript } from './harness/browser.js';
import { injectedSynapse } from './harness/context.js';
import type {} from './globalSetup.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { XSS_MARKUP } from '../support/xssCorpus.js';

const synapse = injectedSynapse();
const PASSWORD = 'correct horse battery staple';
let mirage: MirageProcess;
let browser: Browser;
let aliceContext: BrowserContext;
let bobContext: BrowserContext;
let alice: Page;
let bob: Page;

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-web-client-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: {
      // The XSS corpus is sent message by message: more than one account's default burst.
      api: { rateLimits: { writeBurstPerAccount: 1000 } },
      plugins: [
        { id: 'jitsi', enabled: true, config: { domain: 'meet.example.org', appId: 'mirage-e2e' } },
        { id: 'expiry', enabled: true },
      ],
    },
    env: { MIRAGE_PLUGINS_JITSI_APP_SECRET: 'e2e-jitsi-app-secret-0123456789' },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  browser = await launchBrowser();
  aliceContext = await newPerson(browser);
  bobContext = await newPerson(browser, { colorScheme: 'dark' });
  alice = await aliceContext.newPage();
  bob = await bobContext.newPage();
});

afterAll(async () => {
  await browser?.close();
  await mirage?.stop();
});

const expectNoSeriousViolations = async (page: Page) => expect(await seriousAxeViolations(page)).toEqual([]);
const message = (page: Page, text: string) => page.locator('.messages > li', { hasText: text });
const timeline = (page: Page) => page.locator('.room-main .messages');

async function signUp(page: Page, name: string): Promise<void> {
  await page.goto(`${mirage.apiUrl}/app/`);
  await page.getByRole('heading', { name: 'Sign in to Mirage' }).waitFor();
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Rooms', level: 1 }).waitFor();
}

async function send(page: Page, text: string, composer = '#composer'): Promise<void> {
  await page.locator(composer).fill(text);
  await page.locator(composer).press('Enter');
}

describe('the chat client in a real browser, two people', () => {
  it('shows the sign-in screen to a stranger, accessibly', async () => {
    await alice.goto(`${mirage.apiUrl}/app/rooms/nowhere`);
    await alice.getByRole('heading', { name: 'Sign in to Mirage' }).waitFor();
    expect(new URL(alice.url()).pathname).toBe('/app/sign-in');
    await expectNoSeriousViolations(alice);
    await saveScreenshot(alice, 'client-sign-in');
  });

  it('signs up, creates a room, opens a DM by handle, and the two talk both ways live', async () => {
    await signUp(bob, 'bob');
    await signUp(alice, 'alice');
    await expect.poll(() => alice.locator('.state-empty').textContent()).toContain('No rooms yet');

    await alice.getByLabel('Room name').fill('Garden club');
    await alice.getByRole('button', { name: 'Create room' }).click();
    await alice.getByRole('heading', { name: 'Garden club', level: 1 }).waitFor();
    await alice.getByText('No messages yet').waitFor();

    await alice.getByRole('link', { name: '← Rooms' }).click();
    await alice.getByLabel('Handle').fill('bob');
    await alice.getByRole('button', { name: 'Open conversation' }).click();
    await alice.locator('.room-title').waitFor();
    const dmUrl = alice.url();
    expect(new URL(dmUrl).pathname).toMatch(/^\/app\/rooms\//);

    await send(alice, 'Hello **Bob**, welcome!');
    await message(alice, 'Hello Bob').locator('strong').waitFor();

    // Bob's list shows the DM with its last message without a reload; he opens it from there.
    const dmEntry = bob.locator('.room-link', { hasText: 'welcome' });
    await dmEntry.locator('.badge', { hasText: '1' }).waitFor();
    await expectNoSeriousViolations(bob);
    await saveScreenshot(bob, 'client-room-list');
    await dmEntry.click();
    await message(bob, 'Hello Bob, welcome!').waitFor();

    await send(bob, 'Hi Alice!\nTwo lines.');
    await message(alice, 'Hi Alice!').waitFor();
    await send(alice, 'Shall we talk about seeds?');
    await message(bob, 'talk about seeds').waitFor();
    await expect.poll(() => timeline(bob).locator('> li').count()).toBe(3);
  });

  it('replies in a thread, reacts, edits and deletes, seen live on the other side', async () => {
    // Bob answers Alice's question in its thread.
    await message(bob, 'talk about seeds').getByRole('button', { name: 'Reply in thread' }).click();
    const bobThread = bob.getByRole('complementary');
    await bobThread.getByRole('heading', { name: 'Thread' }).waitFor();
    await expect.poll(() => bob.evaluate(() => document.activeElement?.id)).toBe('thread-composer');
    await send(bob, 'Tomatoes first', '#thread-composer');
    await bobThread.locator('.messages > li', { hasText: 'Tomatoes first' }).waitFor();
    await message(alice, 'talk about seeds').getByRole('button', { name: 'Thread (1)' }).click();
    await alice.getByRole('complementary').locator('.messages > li', { hasText: 'Tomatoes first' }).waitFor();
    await expectNoSeriousViolations(alice);
    await saveScreenshot(alice, 'client-thread');
    await alice.keyboard.press('Escape');
    await alice.getByRole('complementary').waitFor({ state: 'detached' });
    await bob.keyboard.press('Escape');

    // A quoting reply in the main timeline.
    await message(bob, 'Hello Bob').getByRole('button', { name: 'Reply', exact: true }).click();
    await send(bob, 'Thanks for the welcome');
    await message(alice, 'Thanks for the welcome').locator('.message-quote', { hasText: 'Hello Bob' }).waitFor();

    // Reactions: Alice reacts, Bob sees the count and adds his own.
    await message(alice, 'Hi Alice!').getByRole('button', { name: 'React' }).click();
    await message(alice, 'Hi Alice!').getByRole('button', { name: 'React with 👍' }).click();
    await message(bob, 'Hi Alice!').getByRole('button', { name: /👍 1/ }).waitFor();
    await message(bob, 'Hi Alice!').getByRole('button', { name: /👍 1/ }).click();
    await message(alice, 'Hi Alice!').getByRole('button', { name: /👍 2/ }).waitFor();

    // Alice edits; Bob sees the new text marked as edited.
    await message(alice, 'Shall we talk about seeds?').getByRole('button', { name: 'Edit' }).click();
    await alice.getByLabel('Edit message').fill('Shall we talk about bulbs?');
    await alice.getByLabel('Edit message').press('Enter');
    await message(bob, 'talk about bulbs').locator('.message-edited').waitFor();
    await alice.getByLabel('Edit message').waitFor({ state: 'detached' });
    await message(alice, 'talk about bulbs').locator('.message-edited').waitFor();

    // Bob deletes his reply; Alice sees the tombstone.
    await message(bob, 'Thanks for the welcome').getByRole('button', { name: 'Delete' }).click();
    await bob.getByRole('button', { name: 'Delete for everyone' }).click();
    await alice.locator('.message-deleted').waitFor();
    expect(await message(alice, 'Thanks for the welcome').count()).toBe(0);
    await expectNoSeriousViolations(bob);
    await saveScreenshot(bob, 'client-room');
  });

  it('keeps the text of a failed send with a Retry that sends it', async () => {
    await alice.route('**/api/v1/rooms/*/messages', (route) => (route.request().method() === 'POST' ? route.abort('failed') : route.continue()));
    await send(alice, 'This one must not get lost');
    const failed = alice.locator('.message-failed', { hasText: 'This one must not get lost' });
    await failed.getByRole('button', { name: 'Retry' }).waitFor();
    await saveScreenshot(alice, 'client-failed-send');
    await alice.unroute('**/api/v1/rooms/*/messages');
    await failed.getByRole('button', { name: 'Retry' }).click();
    await message(bob, 'This one must not get lost').waitFor();
    await expect.poll(() => alice.locator('.message-failed').count()).toBe(0);
    // Exactly one copy once settled: the retried send and its echo in sync are the same message.
    await expect.poll(() => message(alice, 'This one must not get lost').count()).toBe(1);
  });

  it('shows an offline indicator while the network is gone, and catches up after', async () => {
    await bobContext.setOffline(true);
    await bob.getByText('You are offline').waitFor();
    await send(alice, 'Sent while Bob was away');
    await bobContext.setOffline(false);
    await bob.getByText('You are offline').waitFor({ state: 'hidden' });
    await message(bob, 'Sent while Bob was away').waitFor();
  });

  it('never runs script from messages', async () => {
    const watch = await watchForInjectedScript(bob);
    for (const payload of XSS_MARKUP) await send(alice, payload);
    await expect.poll(() => timeline(bob).locator('> li').count()).toBeGreaterThanOrEqual(XSS_MARKUP.length);
    await send(alice, 'end of corpus');
    await message(bob, 'end of corpus').waitFor();
    expect(await watch.scriptRan()).toBe(false);
  });

  it('says so when the session expired, and keeps what was typed', async () => {
    // The refresh cookie is gone and the access token is refused, as when a session ends.
    await aliceContext.clearCookies();
    await alice.route('**/api/v1/**', (route) => {
      const headers = route.request().headers();
      return route.continue({ headers: headers.authorization ? { ...headers, authorization: 'Bearer expired' } : headers });
    });
    await send(alice, 'Written as the session ended');
    await alice.getByText('Your session expired').waitFor();
    await alice.getByRole('heading', { name: 'Sign in to Mirage' }).waitFor();
    await expectNoSeriousViolations(alice);
    await saveScreenshot(alice, 'client-session-expired');
    await alice.unroute('**/api/v1/**');

    await alice.getByLabel('Username').fill('alice');
    await alice.getByLabel('Password').fill(PASSWORD);
    await alice.getByRole('button', { name: 'Sign in' }).click();
    await alice.getByRole('heading', { name: 'Rooms', level: 1 }).waitFor();
    await alice.locator('.room-link', { hasText: 'Direct message' }).first().click();
    const kept = alice.locator('.message-failed', { hasText: 'Written as the session ended' });
    await kept.getByRole('button', { name: 'Retry' }).click();
    await message(bob, 'Written as the session ended').waitFor();
  });

  it('invites into a room, starts and ends a call (a new tab without an opener, seen live by the other), sets the expiry timer, leaves', async () => {
    await aliceContext.route('https://meet.example.org/**', (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>meeting</title>' }));
    await bob.getByRole('link', { name: '← Rooms' }).click();
    await alice.getByRole('link', { name: '← Rooms' }).click();
    // Bob saw every message while in the DM: it has nothing unread.
    await bob.locator('.room-link', { hasText: 'Direct message with alice' }).waitFor();
    await expect.poll(() => bob.locator('.room-link', { hasText: 'Direct message with alice' }).locator('.badge').count()).toBe(0);
    await alice.locator('.room-link', { hasText: 'Garden club' }).click();
    await alice.getByRole('heading', { name: 'Garden club', level: 1 }).waitFor();
    await alice.getByLabel('Invite', { exact: true }).fill('bob');
    await alice.getByRole('button', { name: 'Invite', exact: true }).click();
    await alice.getByText('Invited bob.').waitFor();
    const invitation = bob.locator('.room-invite', { hasText: 'Garden club' });
    await invitation.getByRole('button', { name: 'Accept' }).click();
    await bob.getByRole('heading', { name: 'Garden club', level: 1 }).waitFor();

    const [meeting] = await Promise.all([aliceContext.waitForEvent('page'), alice.getByRole('button', { name: 'Start call' }).click()]);
    await meeting.waitForURL(/^https:\/\/meet\.example\.org\//);
    expect(await meeting.evaluate(() => window.opener)).toBeNull();
    await meeting.close();
    const join = alice.getByRole('link', { name: 'Join call' });
    expect(await join.getAttribute('rel')).toContain('noopener');
    expect(await join.getAttribute('href')).toMatch(/^https:\/\/meet\.example\.org\//);
    await bob.getByRole('link', { name: 'Join call' }).waitFor();
    await alice.getByRole('button', { name: 'End call' }).click();
    await alice.getByRole('button', { name: 'Start call' }).waitFor();
    await bob.getByRole('button', { name: 'Start call' }).waitFor();

    await alice.getByLabel('Disappearing messages').selectOption({ label: '1 hour' });
    await alice.getByRole('button', { name: 'Set', exact: true }).click();
    await alice.getByText('New messages disappear after 1 hour').waitFor();

    await bob.getByRole('button', { name: 'Leave room' }).click();
    await bob.getByRole('button', { name: 'Yes, leave' }).click();
    await bob.getByRole('heading', { name: 'Rooms', level: 1 }).waitFor();
    await alice.locator('.room-members summary', { hasText: '1 member' }).waitFor();
  });

  it('signs out', async () => {
    await bob.getByRole('button', { name: 'Sign out' }).click();
    await bob.getByRole('heading', { name: 'Sign in to Mirage' }).waitFor();
    // The refresh cookie is gone with the session: a reload does not sign back in.
    await bob.reload();
    await bob.getByRole('heading', { name: 'Sign in to Mirage' }).waitFor();
  });
});
