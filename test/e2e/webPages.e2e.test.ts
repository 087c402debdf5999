import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { EventType, type MatrixClient } from 'matrix-js-sdk';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, waitFor, type WebUser } from './harness/bridgeRoom.js';
import { launchBrowser, newPerson, saveScreenshot, seriousAxeViolations } from './harness/browser.js';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { createClient, registerUser, stopClient, type TestUser, uniqueLocalpart, waitForEvent } from './harness/users.js';

/*
 * The public pages in Debian's chromium, served by a real Mirage process over a real Synapse: a
 * post written through the API on its page with a comment from Matrix (by its Matrix display name)
 * and one through the API, the Atom feed parsed by the browser's XML parser, every page complete
 * without JavaScript, axe-core in light and dark, the CSP on every page, the weight of each page,
 * and screenshots on a desktop and a phone.
 */

const synapse = injectedSynapse();
let mirage: MirageProcess;
let browser: Browser;
let alice: WebUser;
let carol: WebUser;
let bobUser: TestUser;
let bob: MatrixClient | undefined;
let post: { id: string; slug: string; title: string };

const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;
const url = (path: string) => `${mirage.apiUrl}${path}`;
const threadTo = (root: string) => ({ rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } });

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-web-pages-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: false } },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  [alice, carol] = [await signUp(mirage, 'alice'), await signUp(mirage, 'carol')];
  await requestJson(api('/me/profile'), { method: 'PATCH', body: { displayName: 'Alice Writer', bio: 'I write about **gardens**.', customHtml: '<h2 class="hello">Hello</h2><p style="color: #0a6b2e">Welcome to my page.</p>', customCss: '.hello{color:#7a1f5c}' }, accessToken: alice.accessToken });
  await requestJson(api('/me/profile'), { method: 'PATCH', body: { displayName: 'Carol Reader' }, accessToken: carol.accessToken });
  post = await requestJson(api(`/blogs/${alice.name}/posts`), { body: { title: 'Tomatoes in November', body: 'Late *tomatoes* are a gift.\n\n- water\n- sun' }, accessToken: alice.accessToken });
  bobUser = await registerUser(synapse, uniqueLocalpart('bob'));
  bob = await createClient(synapse, bobUser);
  await bob.setDisplayName('Bob from Matrix');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  if (bob) stopClient(bob);
  await mirage?.stop();
});

const postPath = () => `/@${alice.name}/${post.slug}`;
/** The public pages, by name, as a reader reaches them. */
const pages = () => ({ home: '/', blog: `/@${alice.name}`, post: postPath(), notFound: `/@${alice.name}/no-such-post` });

async function open(page: Page, path: string): Promise<number> {
  const response = await page.goto(url(path));
  return response!.status();
}

describe('public pages in a browser', () => {
  it('shows a post written through the API with a comment from Matrix, by its Matrix name, and one through the API', async () => {
    const alias = `#mirage_blog_${alice.name}:${synapse.serverName}`;
    const blogRoom = await waitFor('the blog room joined', async () => {
      try {
        return (await bob!.joinRoom(alias)).roomId;
      } catch {
        return undefined;
      }
    });
    const root = await waitForEvent(bob!, blogRoom, (e) => e.getType() === EventType.RoomMessage && String(e.getContent().body).includes(post.title), 60_000);
    const names = async () => (await requestJson<{ comments: { authorProfile: { displayName: string } }[] }>(api(`/posts/${post.id}/comments`))).comments.map((c) => c.authorProfile.displayName);
    await bob!.sendMessage(blogRoom, { msgtype: 'm.text', body: 'Mine ripened **indoors**.', format: 'org.matrix.custom.html', formatted_body: 'Mine ripened <strong>indoors</strong>.', 'm.relates_to': threadTo(root.getId()!) } as never);
    await expect.poll(names, { timeout: 60_000 }).toEqual(['Bob from Matrix']);
    await requestJson(api(`/posts/${post.id}/comments`), { body: { body: 'Carol agrees with the *sun* part.' }, accessToken: carol.accessToken });
    expect(await names()).toEqual(['Bob from Matrix', 'Carol Reader']);

    const context = await newPerson(browser);
    const page = await context.newPage();
    expect(await open(page, postPath())).toBe(200);
    expect(await page.locator('h1').count()).toBe(1);
    expect(await page.locator('h1').textContent()).toBe(post.title);
    expect(await page.locator('.post-body em').textContent()).toBe('tomatoes');
    const comments = page.locator('ol.comments > li > article.comment');
    await expect.poll(() => comments.count()).toBe(2);
    expect(await comments.nth(0).locator('.person').textContent()).toBe('Bob from Matrix');
    expect(await comments.nth(0).locator('.comment-body strong').textContent()).toBe('indoors');
    expect(await comments.nth(1).locator('.person').textContent()).toBe('Carol Reader');
    expect(await page.locator('.sign-in-note a').textContent()).toBe('Sign in to comment');
    await context.close();
  }, 240_000);

  it('lets a signed-in reader comment, reply and react from the post page, through the JSON API', async () => {
    const context = await newPerson(browser);
    const page = await context.newPage();
    // The page exchanges the refresh cookie for an access token (POST /api/v1/sessions/refresh with
    // X-Mirage-CSRF: 1). The exchange is answered here with a real session's token, so this checks
    // what the page does with a session; everything after it goes to the real JSON API.
    const session = await requestJson<{ accessToken: string; user: { name: string } }>(api('/sessions'), { body: { username: carol.name, password: 'correct horse battery' } });
    const refreshes: Record<string, string>[] = [];
    await page.route('**/api/v1/sessions/refresh', async (route) => {
      refreshes.push(route.request().headers());
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ accessToken: session.accessToken, user: session.user }) });
    });
    expect(await open(page, postPath())).toBe(200);
    const form = page.locator('.comment-slot form.comment-form');
    await form.waitFor();
    expect(await page.locator('.sign-in-note').count()).toBe(0);
    expect(refreshes[0]).toMatchObject({ 'x-mirage-csrf': '1' });
    await form.getByLabel('Your comment').fill('Written on the **page**.');
    await form.getByRole('button', { name: 'Comment' }).click();
    const mine = page.locator('article.comment', { hasText: 'Written on the page.' });
    await mine.waitFor();
    expect(await mine.locator('.person').textContent()).toBe('Carol Reader');
    expect(await mine.locator('strong').textContent()).toBe('page');

    const first = page.locator('ol.comments > li').first();
    await first.locator('article.comment > .reply-button').click();
    const replyForm = first.locator('form.comment-form');
    await replyForm.getByLabel('Your reply').fill('A reply from the page.');
    await replyForm.getByRole('button', { name: 'Reply' }).click();
    await page.locator('ol.comments > li').first().locator('ol.replies article.comment', { hasText: 'A reply from the page.' }).waitFor();

    const party = page.locator('ul.reactions[data-target-kind="post"] button.reaction-button[data-key="🎉"]');
    await party.click();
    await expect.poll(() => party.getAttribute('aria-pressed')).toBe('true');
    expect((await requestJson<{ reactions: Record<string, number> }>(api(`/posts/${post.id}`))).reactions['🎉']).toBe(1);
    await saveScreenshot(page, 'pages-post-signed-in-desktop');
    await context.close();
  });

  it('signs a reader in through the refresh cookie alone: the page gets a session without a token in script', async () => {
    const context = await newPerson(browser);
    const page = await context.newPage();
    await open(page, '/');
    // Signing in from the page's origin, as the client does: the refresh token comes back only as the HttpOnly cookie.
    const signedIn = await page.evaluate(async (body) => {
      const response = await fetch('/api/v1/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, hasRefreshToken: 'refreshToken' in ((await response.json()) as object), cookie: document.cookie };
    }, { username: carol.name, password: 'correct horse battery', refreshIn: 'cookie' });
    expect(signedIn).toEqual({ status: 200, hasRefreshToken: false, cookie: '' });
    expect(await open(page, postPath())).toBe(200);
    await page.locator('.comment-slot form.comment-form').waitFor();
    expect(await page.locator('.sign-in-note').count()).toBe(0);
    expect(await page.locator('.site-nav a', { hasText: carol.name }).count()).toBe(1);
    await context.close();
  });

  it('serves an Atom feed that the browser parses as XML, with the post in it', async () => {
    const context = await newPerson(browser);
    const page = await context.newPage();
    await page.goto(url('/'));
    const parsed = await page.evaluate(async (path) => {
      const response = await fetch(path);
      const doc = new DOMParser().parseFromString(await response.text(), 'application/xml');
      return {
        type: response.headers.get('content-type'),
        error: doc.getElementsByTagName('parsererror').length,
        root: `${doc.documentElement.namespaceURI} ${doc.documentElement.localName}`,
        titles: [...doc.querySelectorAll('entry > title')].map((e) => e.textContent),
        links: [...doc.querySelectorAll('entry > link')].map((e) => e.getAttribute('href')),
      };
    }, `/@${alice.name}/feed.atom`);
    expect(parsed).toMatchObject({ type: 'application/atom+xml; charset=utf-8', error: 0, root: 'http://www.w3.org/2005/Atom feed', titles: [post.title] });
    expect(parsed.links).toEqual([url(postPath())]);
    await context.close();
  });

  it('shows every public page complete and readable without JavaScript, and its links work', async () => {
    const context = await newPerson(browser, { javaScriptEnabled: false });
    const page = await context.newPage();
    expect(await open(page, '/')).toBe(200);
    expect(await page.locator('.post-list h3 a', { hasText: post.title }).count()).toBe(1);
    await page.locator('.post-list h3 a', { hasText: post.title }).click();
    await page.waitForURL(url(postPath()));
    expect(await page.locator('.post-body').textContent()).toContain('are a gift');
    const comments = await page.locator('article.comment .comment-body').allTextContents();
    expect(comments.join('\n')).toContain('Mine ripened indoors.');
    expect(comments.join('\n')).toContain('Carol agrees with the sun part.');
    await page.locator('.breadcrumb a').click();
    await page.waitForURL(url(`/@${alice.name}`));
    expect(await page.locator('h1').textContent()).toBe('Alice Writer');
    expect(await page.locator('.bio strong').textContent()).toBe('gardens');
    expect(await page.locator('.mirage-profile h2').textContent()).toBe('Hello');
    // The profile's own styles come from its stylesheet, not from style attributes.
    expect(await page.locator('.mirage-profile p').evaluate((el) => getComputedStyle(el).color)).toBe('rgb(10, 107, 46)');
    expect(await page.locator('.mirage-profile h2').evaluate((el) => getComputedStyle(el).color)).toBe('rgb(122, 31, 92)');
    expect(await page.locator('.post-list h3 a').count()).toBe(1);
    expect(await page.locator('a', { hasText: 'Atom feed' }).getAttribute('href')).toBe(`/@${alice.name}/feed.atom`);
    expect(await open(page, pages().notFound)).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('Not found');
    await page.locator('a', { hasText: 'See the recent posts' }).click();
    await page.waitForURL(url('/'));
    await context.close();
  });

  it('has no serious or critical axe-core violations on any public page, light or dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const context = await newPerson(browser, { colorScheme });
      const page = await context.newPage();
      for (const [name, path] of Object.entries(pages())) {
        await open(page, path);
        expect(await seriousAxeViolations(page), `${name} (${colorScheme})`).toEqual([]);
      }
      await context.close();
    }
  });

  it('sends a strict CSP and the other security headers with every page, and keeps each page under 50 KB with its CSS and JS', async () => {
    for (const [name, path] of Object.entries(pages())) {
      const response = await fetch(url(path));
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, name).toContain("default-src 'none'");
      expect(csp, name).toContain("script-src 'self'");
      expect(csp, name).toContain("style-src 'self'");
      expect(csp, name).toContain("frame-ancestors 'none'");
      expect(csp, name).not.toContain('unsafe-inline');
      expect(response.headers.get('x-content-type-options'), name).toBe('nosniff');
      const body = await response.text();
      expect(body, name).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
      expect(body, name).not.toMatch(/\sstyle="/i);
      const assets = [...body.matchAll(/<(?:link rel="stylesheet"|script)[^>]*(?:href|src)="([^"]+)"/g)].map((m) => m[1]!);
      let bytes = Buffer.byteLength(body);
      for (const asset of assets) bytes += (await (await fetch(new URL(asset, url('/')))).arrayBuffer()).byteLength;
      expect(bytes, `${name}: ${bytes} bytes`).toBeLessThan(50 * 1024);
    }
  });

  it('saves screenshots of each public page on a desktop and a phone', async () => {
    for (const [device, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 375, height: 812 }]] as const) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      for (const [name, path] of Object.entries(pages())) {
        await open(page, path);
        // Nothing wider than the screen: no sideways scrolling on a phone.
        expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} on ${device}`).toBeLessThanOrEqual(viewport.width);
        // No layout shift while the page settles (images carry their sizes).
        const shift = await page.evaluate(
          () =>
            new Promise<number>((resolve) => {
              let sum = 0;
              const add = (entries: PerformanceEntryList) => entries.forEach((e) => (sum += (e as unknown as { value: number }).value));
              const observer = new PerformanceObserver((list) => add(list.getEntries()));
              observer.observe({ type: 'layout-shift', buffered: true });
              requestAnimationFrame(() =>
                requestAnimationFrame(() => {
                  add(observer.takeRecords());
                  observer.disconnect();
                  resolve(sum);
                }),
              );
            }),
        );
        expect(shift, `layout shift of ${name} on ${device}`).toBe(0);
        await saveScreenshot(page, `pages-${name}-${device}`);
      }
      await context.close();
    }
  });
});
