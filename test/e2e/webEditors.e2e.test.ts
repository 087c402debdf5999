import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, newPerson, saveScreenshot, seriousAxeViolations, watchForInjectedScript } from './harness/browser.js';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { uniqueLocalpart } from './harness/users.js';

/*
 * The editors in the chat client, in a real browser against a real Mirage: a post written and
 * previewed in the editor is the post its public page shows; a profile's custom HTML and CSS show
 * live in a preview frame and then on the public profile; the blog's owner deletes a comment and
 * blocks its writer. Nothing typed is lost on a failed save or a reload.
 */

const synapse = injectedSynapse();
let mirage: MirageProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let owner: string;
let xss: { scriptRan(): Promise<boolean> };

interface Post {
  id: string;
  slug: string;
  html: string;
  published: boolean;
}

const XSS_BODY = '<img src=x onerror="window.__mirageXss=1"> and [a link](javascript:window.__mirageXss=2)';
const POST_BODY = `## A heading\n\nSome *emphasis*, **strong** text and \`code\`.\n\n- one\n- two\n\n> a quote\n\n[Mirage](https://example.org/)\n\n${XSS_BODY}`;

async function expectAccessible(name: string): Promise<void> {
  expect(await seriousAxeViolations(page), name).toEqual([]);
}

/** The API as the signed-in owner's browser sees it (its cookie session), for checks beside the page. */
async function signUpThroughPage(name: string): Promise<void> {
  await page.goto(`${mirage.apiUrl}/app/sign-up`);
  await page.fill('#auth-username', name);
  await page.fill('#auth-password', 'correct horse battery');
  await page.click('button[type=submit]');
  await page.waitForSelector('#app-nav a[href="/app/posts"]');
}

async function apiAs<T>(accessToken: string, path: string, method = 'GET', body?: unknown): Promise<T> {
  return requestJson<T>(`${mirage.apiUrl}${path}`, { method, accessToken, ...(body !== undefined ? { body } : {}) });
}

async function signUpApi(name: string): Promise<string> {
  const answer = await requestJson<{ accessToken: string }>(`${mirage.apiUrl}/api/v1/accounts`, { body: { username: name, password: 'correct horse battery' } });
  return answer.accessToken;
}

async function publicPost(slug: string): Promise<Post | undefined> {
  const posts = await requestJson<{ posts: Post[] }>(`${mirage.apiUrl}/api/v1/blogs/${owner}/posts`);
  return posts.posts.find((p) => p.slug === slug);
}

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-web-editors-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: false } },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  browser = await launchBrowser();
  context = await newPerson(browser);
  page = await context.newPage();
  xss = await watchForInjectedScript(page);
  owner = uniqueLocalpart('writer').toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 24);
  await signUpThroughPage(owner);
});

afterAll(async () => {
  await browser?.close();
  await mirage?.stop();
});

describe('the post editor', () => {
  let post: Post;

  it('keeps typed text through a reload and a failed save, previews it, saves a draft, and publishes what the public page shows', async () => {
    await page.click('#app-nav a[href="/app/posts"]');
    await page.waitForSelector('.posts-screen .state-empty');
    await expectAccessible('post list, empty');
    await page.click('a[href="/app/posts/new"]');
    await page.waitForSelector('#post-title');
    await page.fill('#post-title', 'Written in the editor');
    await page.fill('#post-body', POST_BODY);

    // Typed text lives in this browser until saved: a reload brings it back.
    await expect.poll(() => page.evaluate(() => Object.keys(localStorage).some((k) => k.startsWith('mirage.postDraft.')))).toBe(true);
    await page.reload();
    await page.waitForSelector('#post-title');
    expect(await page.inputValue('#post-title')).toBe('Written in the editor');
    expect(await page.inputValue('#post-body')).toBe(POST_BODY);
    await page.waitForSelector('.notice:has-text("Restored changes")');

    // A save that cannot reach the server loses nothing.
    await context.setOffline(true);
    await page.click('button:has-text("Save draft")');
    await page.waitForSelector('.form-status:has-text("Not saved")');
    expect(await page.inputValue('#post-body')).toBe(POST_BODY);
    await context.setOffline(false);

    // The preview is the server's rendering of the body.
    await page.click('#tab-preview');
    await page.waitForSelector('#post-preview-body h2');
    const previewHtml = await page.innerHTML('#post-preview-body');
    expect(previewHtml).toContain('<em>emphasis</em>');
    await expectAccessible('post editor, preview');
    await saveScreenshot(page, 'editor-post-preview');
    await page.click('#tab-write');

    await page.click('button:has-text("Save draft")');
    await page.waitForURL(/\/app\/posts\/p_/);
    await page.waitForSelector('.post-state:has-text("Draft")');
    const postId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('mirage.postDraft.')))).toEqual([]);
    // A draft is nobody else's to read.
    const anonymous = await fetch(`${mirage.apiUrl}/api/v1/posts/${postId}`);
    expect(anonymous.status).toBe(404);
    await expectAccessible('post editor, draft');
    await saveScreenshot(page, 'editor-post');

    await page.click('button:has-text("Publish")');
    await page.waitForSelector('.post-state:has-text("Published")');
    post = (await publicPost('written-in-the-editor'))!;
    expect(post).toMatchObject({ id: postId, published: true });
    // What the preview showed is what was stored and what readers get.
    expect(await normalize(page, previewHtml)).toBe(await normalize(page, post.html));

    const reader = await newPerson(browser);
    const readerPage = await reader.newPage();
    const readerXss = await watchForInjectedScript(readerPage);
    const response = await readerPage.goto(`${mirage.apiUrl}/@${owner}/${post.slug}`);
    expect(response?.status()).toBe(200);
    const article = readerPage.locator('.post-body').first();
    expect(await normalize(readerPage, await article.innerHTML())).toBe(await normalize(readerPage, post.html));
    expect(await readerXss.scriptRan()).toBe(false);
    await reader.close();
    expect(await xss.scriptRan()).toBe(false);
  });

  it('lists drafts and published posts, unpublishes and deletes after asking', async () => {
    await page.goto(`${mirage.apiUrl}/app/posts`);
    await page.waitForSelector('.post-item');
    expect(await page.locator('.post-item .badge-published').count()).toBe(1);
    await expectAccessible('post list');
    await saveScreenshot(page, 'editor-post-list');

    await page.click(`a[href="/app/posts/${post.id}"]`);
    await page.click('button:has-text("Unpublish")');
    await page.waitForSelector('.post-state:has-text("Draft")');
    await expect.poll(() => publicPost(post.slug)).toBeUndefined();
    await page.click('button:has-text("Publish")');
    await page.waitForSelector('.post-state:has-text("Published")');
    await expect.poll(async () => (await publicPost(post.slug))?.published).toBe(true);

    // A second post, deleted once its owner confirms in the page.
    await page.goto(`${mirage.apiUrl}/app/posts/new`);
    await page.fill('#post-title', 'Short-lived');
    await page.fill('#post-body', 'Soon gone.');
    await page.click('button:has-text("Save draft")');
    await page.waitForURL(/\/app\/posts\/p_/);
    const doomed = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await page.click('button:has-text("Delete post")');
    await page.waitForSelector('.confirm:has-text("Delete this post")');
    await expectAccessible('post editor, confirming deletion');
    await page.locator('.confirm button:has-text("Delete")').click();
    await page.waitForURL(/\/app\/posts$/);
    await page.waitForSelector('.post-item');
    expect(await page.locator(`a[href="/app/posts/${doomed}"]`).count()).toBe(0);
    expect(await page.locator(`a[href="/app/posts/${post.id}"]`).count()).toBeGreaterThan(0);
  });
});

describe('comment moderation', () => {
  it("deletes a comment and blocks, then unblocks, its writer", async () => {
    const post = (await publicPost('written-in-the-editor'))!;
    const commenter = uniqueLocalpart('reader').toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 24);
    const token = await signUpApi(commenter);
    await apiAs(token, `/api/v1/posts/${post.id}/comments`, 'POST', { body: 'A comment to *moderate*' });
    await apiAs(token, `/api/v1/posts/${post.id}/comments`, 'POST', { body: 'A comment that stays' });

    await page.goto(`${mirage.apiUrl}/app/posts/${post.id}/comments`);
    await page.waitForSelector('.moderation-comment:has-text("A comment to")');
    await expectAccessible('moderation');
    await saveScreenshot(page, 'editor-moderation');

    // Block: the writer can no longer comment.
    await page.locator('.moderation-comment:has-text("A comment to") button:has-text("Block")').click();
    await page.waitForSelector('.moderation-comment:has-text("A comment to") .badge-blocked');
    await expect(apiAs(token, `/api/v1/posts/${post.id}/comments`, 'POST', { body: 'again' })).rejects.toMatchObject({ status: 403 });

    // Delete, after confirming in the page.
    await page.locator('.moderation-comment:has-text("A comment to") button:has-text("Delete")').click();
    await page.locator('.confirm button:has-text("Delete")').click();
    // Without replies, a deleted comment leaves the thread.
    await page.waitForSelector('.moderation-comment:has-text("A comment to")', { state: 'detached' });
    const comments = await requestJson<{ comments: Array<{ body: string }> }>(`${mirage.apiUrl}/api/v1/posts/${post.id}/comments`);
    expect(comments.comments.map((c) => c.body)).toEqual(['A comment that stays']);

    await page.locator('.moderation-comment:has-text("A comment that stays") button:has-text("Unblock")').click();
    await page.waitForSelector('.moderation-comment:has-text("A comment that stays") .badge-blocked', { state: 'detached' });
    await apiAs(token, `/api/v1/posts/${post.id}/comments`, 'POST', { body: 'allowed again' });
  });
});

describe('the profile editor', () => {
  it('shows custom HTML and CSS live in a preview frame, then on the public profile, without running any script', async () => {
    await page.goto(`${mirage.apiUrl}/app/profile`);
    await page.waitForSelector('#profile-customHtml');
    const frame = await previewFrame();
    await page.fill('#profile-displayName', 'Writer Person');
    await page.fill('#profile-bio', 'I *write* things.');
    await page.fill('#profile-customHtml', '<div class="card" id="about"><h2>About me</h2><p class="lead" style="font-style: italic">Hello there</p><img src=x onerror="window.__mirageXss=1"></div>');
    await page.fill('#profile-customCss', '.card { border: 3px solid rgb(200, 0, 0); padding: 8px } .lead { color: rgb(0, 128, 0) }');

    await expect.poll(() => frame.evaluate(() => document.querySelector('#profile-name')?.textContent)).toBe('Writer Person');
    await expect.poll(() => styleIn(frame, '.mirage-profile .mp-lead', 'color')).toBe('rgb(0, 128, 0)');
    expect(await styleIn(frame, '.mirage-profile .mp-card', 'border-top-color')).toBe('rgb(200, 0, 0)');
    expect(await frame.evaluate(() => document.querySelector('#profile-bio em')?.textContent)).toBe('write');

    // Live: a change to the CSS shows without saving.
    await page.fill('#profile-customCss', '.card { border: 3px solid rgb(200, 0, 0); padding: 8px } .lead { color: rgb(0, 0, 160) }');
    await expect.poll(() => styleIn(frame, '.mirage-profile .mp-lead', 'color')).toBe('rgb(0, 0, 160)');
    const previewedItalic = await styleIn(frame, '.mirage-profile .mp-lead', 'font-style');
    await expectAccessible('profile editor');
    await saveScreenshot(page, 'editor-profile');

    // Errors stay with their field.
    await page.fill('#profile-avatarUrl', 'http://insecure.example/a.png');
    await page.click('button:has-text("Save profile")');
    await page.waitForSelector('#profile-avatarUrl-error:has-text("https")');
    expect(await page.getAttribute('#profile-avatarUrl', 'aria-invalid')).toBe('true');
    await page.fill('#profile-avatarUrl', '');
    await page.click('button:has-text("Save profile")');
    await page.waitForSelector('.form-status:has-text("Saved.")');

    // Saved as previewed.
    const saved = await requestJson<{ customHtml: string; customCss: string }>(`${mirage.apiUrl}/api/v1/users/${owner}`);
    expect(saved.customHtml).toContain('mp-lead');
    expect(saved.customCss).toMatch(/\.mp-lead\{color:/);
    const reader = await newPerson(browser);
    const readerPage = await reader.newPage();
    const readerXss = await watchForInjectedScript(readerPage);
    await readerPage.goto(`${mirage.apiUrl}/@${owner}`);
    await readerPage.waitForSelector('.mirage-profile .mp-lead');
    const onPage = (property: string) => readerPage.evaluate(([p]) => getComputedStyle(document.querySelector('.mirage-profile .mp-lead')!).getPropertyValue(p!), [property]);
    expect(await onPage('color')).toBe('rgb(0, 0, 160)');
    expect(await onPage('font-style')).toBe(previewedItalic);
    expect(await readerPage.textContent('h1')).toContain('Writer Person');
    expect(await readerXss.scriptRan()).toBe(false);
    await reader.close();
    expect(await xss.scriptRan()).toBe(false);
  });
});

/** The profile preview's frame, once it has drawn a preview. */
async function previewFrame(): Promise<Frame> {
  const element = await page.waitForSelector('iframe.profile-preview-frame[data-previewed]');
  expect(await element.getAttribute('sandbox')).toBe('allow-same-origin');
  const frame = await element.contentFrame();
  if (!frame) throw new Error('no preview frame');
  return frame;
}

function styleIn(frame: Frame, selector: string, property: string): Promise<string | undefined> {
  return frame.evaluate(([s, p]) => {
    const element = document.querySelector(s!);
    return element ? getComputedStyle(element).getPropertyValue(p!) : undefined;
  }, [selector, property]);
}

/**
 * HTML as the browser parses and serializes it, whitespace between tags and the new-tab
 * attributes the client gives links aside: markup from different places, compared as DOM.
 */
function normalize(on: Page, html: string): Promise<string> {
  return on.evaluate((source) => {
    const template = document.createElement('template');
    template.innerHTML = source;
    for (const link of template.content.querySelectorAll('a')) {
      link.removeAttribute('target');
      link.removeAttribute('rel');
    }
    return template.innerHTML.replace(/>\s+</g, '><').trim();
  }, html);
}
