import { html, type SafeHtml } from "../html.js";
import { renderPage } from "../layout.js";
import type { PageMeta } from "./pageModels.js";
import { chrome, headMeta } from "./pageParts.js";

/** What every public page shares: the site's name and the bundled stylesheet and script. */
export interface PageFrame {
  siteName: string;
  styles: string[];
  scripts: string[];
}

/** A public page: the chrome around `content`, head meta for shared links; `extraStyles` after the page's own (a profile's stylesheet). */
export function renderPublicPage(frame: PageFrame, meta: PageMeta | { title: string; description: string }, content: SafeHtml, extraStyles: string[] = []): string {
  return renderPage({
    title: meta.title === frame.siteName ? meta.title : `${meta.title} · ${frame.siteName}`,
    description: meta.description,
    head: "canonical" in meta ? headMeta(meta, frame.siteName) : html``,
    body: chrome(content, { siteName: frame.siteName }),
    styles: [...frame.styles, ...extraStyles],
    scripts: frame.scripts,
    bodyClass: "public-page",
  });
}
