import type { FastifyInstance } from "fastify";
import { html } from "./html.js";
import { renderPage } from "./layout.js";
import type { WebAssets } from "./WebAssets.js";

/**
 * `GET /app/` and `GET /app/*`: the chat client's shell. Every client path answers the same
 * page so links and reloads work; the client's router picks the screen. Needs nothing beyond
 * the strict CSP: calls open in a new tab by link, never in a frame; the profile editor's preview
 * is a `srcdoc` frame (which `frame-src 'none'` does not govern) that inherits this CSP and gets
 * the owner's CSS as a constructed stylesheet.
 */
export async function appRoutes(app: FastifyInstance, opts: { assets: WebAssets; siteName: string }): Promise<void> {
  // One document for every client path: built once, the assets' names fixed for the process.
  const page = renderPage({
    assets: opts.assets,
    title: `${opts.siteName} chat`,
    description: `Chat rooms and direct messages on ${opts.siteName}, with Matrix users too.`,
    styles: ["app.css"],
    scripts: ["app.js"],
    bodyClass: "app",
    // The profile editor lays its preview out with the public pages' stylesheet.
    head: html`<meta name="mirage-pages-css" content="${opts.assets.url("pages.css")}">`,
    body: shell(opts.siteName),
  });
  const schema = { hide: true };
  app.get("/app", { schema }, async (_request, reply) => reply.redirect("/app/", 301));
  // `/app/*` matches `/app/` too.
  app.get("/app/*", { schema }, async (_request, reply) => reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(page));
}

const shell = (siteName: string) => html`<header class="app-header">
    <a class="app-brand" href="/app/">${siteName}</a>
    <nav class="app-nav" id="app-nav" aria-label="Main"></nav>
    <div class="app-account" id="app-account"></div>
  </header>
  <p class="app-offline" id="app-offline" role="status" hidden>You are offline. New messages arrive once the connection is back.</p>
  <main class="app-main" id="main" tabindex="-1">
    <noscript><p>The Mirage chat client needs JavaScript. Public blogs and profiles work without it: <a href="/">go to the home page</a>.</p></noscript>
    <p class="state state-loading" role="status">Loading…</p>
  </main>
  <div class="visually-hidden" id="app-announcer" aria-live="polite"></div>
  <div class="app-toasts" id="app-toasts"></div>`;
