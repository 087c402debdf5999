import Fastify from 'fastify';
import { brotliDecompressSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { escapeText, html, raw } from '../../src/web/html.js';
import { renderPage } from '../../src/web/layout.js';
import { PAGE_CSP } from '../../src/web/securityHeaders.js';
import { WebAssets } from '../../src/web/WebAssets.js';
import { webRoutes } from '../../src/web/webRoutes.js';

let assets: WebAssets;
beforeAll(async () => {
  assets = await WebAssets.build();
});

async function webApp() {
  const app = Fastify();
  await app.register(async (scope) => {
    await webRoutes(scope, { assets, site: { name: 'Mirage', description: 'd', publicUrl: 'http://localhost' } });
    scope.get('/page', async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(renderPage({ assets, title: 'T', body: html`<main id="main">${'x'.repeat(4000)}</main>`, styles: ['pages.css'] })),
    );
  });
  app.get('/api/json', async () => ({ big: 'y'.repeat(4000) }));
  return app;
}

describe('html', () => {
  it('escapes every interpolated value unless it is SafeHtml', () => {
    const evil = `<script>"'&`;
    expect(html`<p title="${evil}">${evil}</p>`.toString()).toBe('<p title="&lt;script&gt;&quot;&#39;&amp;">&lt;script&gt;&quot;&#39;&amp;</p>');
    expect(html`<div>${raw('<b>ok</b>')}${[html`<i>${'<'}</i>`, '<']}${undefined}${false}${null}</div>`.toString()).toBe('<div><b>ok</b><i>&lt;</i>&lt;</div>');
    expect(escapeText('a&b')).toBe('a&amp;b');
  });
});

describe('assets', () => {
  it('serves each bundle under its content hash, immutable and pre-compressed', async () => {
    const app = await webApp();
    for (const name of ['pages.js', 'pages.css', 'app.js', 'app.css'] as const) {
      const url = assets.url(name);
      expect(url).toMatch(/^\/assets\/(pages|app)\.[A-Za-z0-9_-]{12}\.(js|css)$/);
      const plain = await app.inject({ url });
      expect(plain.statusCode).toBe(200);
      expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(plain.headers['content-type']).toMatch(name.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      const br = await app.inject({ url, headers: { 'accept-encoding': 'gzip, br' } });
      expect(br.headers['content-encoding']).toBe('br');
      expect(brotliDecompressSync(br.rawPayload).equals(plain.rawPayload)).toBe(true);
      const again = await app.inject({ url, headers: { 'if-none-match': String(plain.headers.etag) } });
      expect(again.statusCode).toBe(304);
    }
    expect(assets.url('pages.css')).not.toBe(assets.url('app.css'));
    const css = await app.inject({ url: assets.url('pages.css') });
    expect(css.body).toContain('prefers-color-scheme');
    expect((await app.inject({ url: '/assets/app.AAAAAAAAAAAA.js' })).statusCode).toBe(404);
  });
});

describe('pages', () => {
  it('get the strict CSP and security headers, compressed; JSON routes outside the web side get neither', async () => {
    const app = await webApp();
    const page = await app.inject({ url: '/page', headers: { 'accept-encoding': 'gzip' } });
    expect(page.headers['content-security-policy']).toBe(PAGE_CSP);
    expect(PAGE_CSP).toContain("script-src 'self'");
    expect(PAGE_CSP).toContain("frame-ancestors 'none'");
    expect(PAGE_CSP).not.toContain('unsafe-inline');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('same-origin');
    expect(page.headers['content-encoding']).toBe('gzip');
    const json = await app.inject({ url: '/api/json', headers: { 'accept-encoding': 'gzip' } });
    expect(json.headers['content-security-policy']).toBeUndefined();
    expect(json.headers['content-encoding']).toBeUndefined();
  });

  it('render as documents without inline script or style', async () => {
    const doc = renderPage({ assets, title: 'A <title>', description: 'about "this"', body: html`<main id="main"></main>`, styles: ['pages.css', '/@alice/profile.css?v=1'], scripts: ['pages.js'] });
    expect(doc.startsWith('<!doctype html>')).toBe(true);
    expect(doc).toContain('<title>A &lt;title&gt;</title>');
    expect(doc).toContain(`<link rel="stylesheet" href="${assets.url('pages.css')}">`);
    expect(doc).toContain('<link rel="stylesheet" href="/@alice/profile.css?v=1">');
    expect(doc).toContain(`<script type="module" src="${assets.url('pages.js')}"></script>`);
    expect(doc).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(doc).not.toMatch(/<style|\sstyle=/);
    expect(doc).toContain('<a class="skip-link" href="#main">');
  });
});
