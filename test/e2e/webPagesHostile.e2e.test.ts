import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { XSS_CSS, XSS_LINES, XSS_MARKUP } from '../support/xssCorpus.js';
import { signUp, type WebUser } from './harness/bridgeRoom.js';
import { launchBrowser, newPerson, saveScreenshot, watchForInjectedScript } from './harness/browser.js';
import { injectedSynapse } from './harness/context.js';
import { HttpError, requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';

/*
 * Hostile content on the public pages, in Debian's chromium with JavaScript on: the XSS corpus in
 * profile HTML and CSS, post titles and bodies, comments and display names never runs; a profile
 * whose CSS and style attributes try to hide, cover, move or restyle the page chrome leaves it
 * where it was and as it was (positions and computed styles against the same page without them).
 */

const synapse = injectedSynapse();
let mirage: MirageProcess;
let browser: Browser;
let mallory: WebUser;
let eve: WebUser;
const malloryPosts: { id: string; slug: string }[] = [];
const url = (path: string) => `${mirage.apiUrl}${path}`;
const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;

/** Tries each value; keeps the ones the API accepts (some are refused as names or titles, which is fine). */
async function accepted(values: readonly string[], send: (value: string) => Promise<unknown>): Promise<string[]> {
  const kept: string[] = [];
  for (const value of values) {
    try {
      await send(value);
      kept.push(value);
    } catch (error) {
      if (!(error instanceof HttpError) || ![400, 409, 422].includes(error.status)) throw error;
    }
  }
  return kept;
}

const HOSTILE_CSS = [
  '*{position:fixed !important;top:0;left:0;z-index:2147483647 !important}',
  'html,body,:root{display:none;background:red}',
  'header,.site-header,nav,footer,.site-footer,main{display:none !important;visibility:hidden}',
  'div{position:absolute;top:0;left:0;width:5000px;height:5000px;background:#000;z-index:999999;margin:-3000px}',
  'p{margin-top:-2000px;transform:translateY(-3000px);width:100vw;height:100vh;background:red;opacity:1}',
  '.mirage-profile~*{display:none}',
  'h1,h2,a,li{color:#f0f !important;font-size:120px !important}',
  '@media screen{div{width:4000px;height:4000px;background:#f00}}',
].join('\n');
const HOSTILE_HTML = [
  '<div style="position:fixed;top:0;left:0;width:100vw;height:100vh;background:#000;z-index:2147483647">cover</div>',
  '<div style="margin-top:-2000px;margin-left:-2000px;width:4000px;height:4000px;background:#f00">big</div>',
  '<p style="transform:scale(50);font-size:300px">huge</p>',
  '<header class="site-header"><nav>fake nav</nav></header>',
].join('');

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-web-hostile-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    // The corpus is hundreds of writes by a few accounts.
    extra: { encryption: { enabled: false }, api: { rateLimits: { writesPerMinutePerAccount: 100_000, writeBurstPerAccount: 100_000 } } },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  [mallory, eve] = [await signUp(mirage, 'mallory'), await signUp(mirage, 'eve')];
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await mirage?.stop();
});

describe('hostile content on the public pages', () => {
  it('never runs the XSS corpus placed in profile HTML and CSS, post titles and bodies, comments and display names', async () => {
    const profile = (body: unknown, who = mallory) => requestJson(api('/me/profile'), { method: 'PATCH', body, accessToken: who.accessToken });
    await profile({ customHtml: XSS_MARKUP.join('\n'), customCss: XSS_CSS.join('\n'), bio: XSS_MARKUP.join('\n\n') });
    const names = await accepted(XSS_LINES.map((line) => line.slice(0, 60)), (displayName) => profile({ displayName }));
    expect(names.length).toBeGreaterThan(0);
    const titles = await accepted(XSS_LINES.slice(0, 12), async (title) => {
      malloryPosts.push(await requestJson(api(`/blogs/${mallory.name}/posts`), { body: { title, body: XSS_MARKUP.join('\n\n') }, accessToken: mallory.accessToken }));
    });
    expect(titles.length).toBeGreaterThan(0);
    const target = malloryPosts[0]!;
    const commenter = await signUp(mirage, 'commenter');
    await accepted(XSS_LINES.slice(-8).map((line) => line.slice(0, 60)), (displayName) => profile({ displayName }, commenter));
    const comments = await accepted(XSS_MARKUP, (body) => requestJson(api(`/posts/${target.id}/comments`), { body: { body }, accessToken: commenter.accessToken }));
    expect(comments.length).toBe(XSS_MARKUP.length);

    const context = await newPerson(browser);
    const page = await context.newPage();
    const watch = await watchForInjectedScript(page);
    const paths = ['/', `/@${mallory.name}`, `/@${mallory.name}/feed.atom`, ...malloryPosts.map((p) => `/@${mallory.name}/${p.slug}`)];
    for (const path of paths) {
      const response = await page.goto(url(path));
      expect(response!.status(), path).toBe(200);
      // Hover and focus everything a handler could hang on, then give timers a turn.
      await page.mouse.move(200, 300);
      await page.keyboard.press('Tab');
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
      expect(await watch.scriptRan(), path).toBe(false);
    }
    await page.goto(url(`/@${mallory.name}/${target.slug}`));
    expect(await page.locator('article.comment').count()).toBe(XSS_MARKUP.length);
    await context.close();
  });

  it("keeps the page chrome where it was and as it was whatever a profile's CSS and style attributes try", async () => {
    await requestJson(api('/me/profile'), { method: 'PATCH', body: { displayName: 'Eve', customHtml: HOSTILE_HTML, customCss: HOSTILE_CSS }, accessToken: eve.accessToken });
    await requestJson(api(`/blogs/${eve.name}/posts`), { body: { title: 'Still readable', body: 'The list below the profile.' }, accessToken: eve.accessToken });
    const chrome = ['.site-header', '.site-name', '.site-nav', '.site-nav a', '#profile-name', '.site-footer', '#blog-title', '.post-list h3 a'];
    const props = ['display', 'visibility', 'position', 'z-index', 'color', 'background-color', 'font-size', 'opacity', 'transform', 'margin-top', 'width', 'height'];
    const measure = async (page: Page) =>
      page.evaluate(
        ({ selectors, properties }) =>
          selectors.map((selector) => {
            const el = document.querySelector(selector) as HTMLElement;
            el.scrollIntoView({ block: 'center', behavior: 'instant' });
            const box = el.getBoundingClientRect();
            const hit = document.elementFromPoint(box.x + Math.min(box.width / 2, 5), box.y + Math.min(box.height / 2, 5));
            const style = getComputedStyle(el);
            return {
              selector,
              topmost: hit !== null && (hit === el || el.contains(hit)),
              hit: hit === null ? null : hit.outerHTML.slice(0, 120),
              box: { x: Math.round(box.x), width: Math.round(box.width), height: Math.round(box.height), top: Math.round(box.top + window.scrollY) },
              style: Object.fromEntries(properties.map((p) => [p, style.getPropertyValue(p)])),
            };
          }),
        { selectors: chrome, properties: props },
      );
    for (const viewport of [{ width: 1280, height: 800 }, { width: 375, height: 812 }]) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(url(`/@${eve.name}`));
      const hostile = await measure(page);
      // The profile's stylesheet is in force (its style attributes too): the test compares against something real.
      const cover = page.locator('.mirage-profile div').first();
      expect(await cover.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(0, 0, 0)');
      expect((await cover.boundingBox())!.height).toBeGreaterThan(0);
      if (viewport.width === 1280) await saveScreenshot(page, 'pages-hostile-profile-desktop');
      // The same page without the profile's stylesheet (which carries its style attributes too).
      await page.route('**/profile.css*', (route) => route.abort());
      await page.goto(url(`/@${eve.name}`));
      const plain = await measure(page);
      await context.close();
      for (const [i, measured] of hostile.entries()) {
        const before = plain[i]!;
        expect(measured.topmost, `${measured.selector} is covered at ${viewport.width}px by ${measured.hit}`).toBe(true);
        expect(measured.style, `${measured.selector} restyled at ${viewport.width}px`).toEqual(before.style);
        // Above the profile the chrome does not move at all; below it, only down by the profile's height.
        const { top, ...rest } = measured.box;
        const { top: plainTop, ...plainRest } = before.box;
        expect(rest, `${measured.selector} box at ${viewport.width}px`).toEqual(plainRest);
        if (['.site-header', '.site-name', '.site-nav', '.site-nav a', '#profile-name'].includes(measured.selector)) expect(top, measured.selector).toBe(plainTop);
      }
    }
  });
});
