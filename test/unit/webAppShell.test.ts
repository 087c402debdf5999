import { describe, expect, it } from 'vitest';
import { apiHarness } from '../support/apiHarness.js';

describe('the chat client shell under /app/', () => {
  it('answers every client path with the same page: the bundled client, a noscript note, the strict page headers', async () => {
    const { app } = await apiHarness();
    const pages = await Promise.all(['/app/', '/app/rooms/r1', '/app/sign-in'].map((url) => app.inject({ url })));
    for (const res of pages) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toBe(pages[0]!.body);
    }
    const html = pages[0]!.body;
    expect(html).toMatch(/<script type="module" src="\/assets\/app\.[\w-]{12}\.js"><\/script>/);
    expect(html).toMatch(/<link rel="stylesheet" href="\/assets\/app\.[\w-]{12}\.css">/);
    expect(html).toContain('<noscript>');
    expect(html).toContain('id="main"');
    // Nothing inline: the CSP would refuse it.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=/i);
    const js = await app.inject({ url: html.match(/\/assets\/app\.[\w-]{12}\.js/)![0] });
    expect(js.statusCode).toBe(200);
    expect(js.body).toContain('/api/v1/sessions/refresh');
  });

  it('sends /app to /app/', async () => {
    const { app } = await apiHarness();
    const res = await app.inject({ url: '/app' });
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe('/app/');
  });
});
