import { html, type SafeHtml } from "../html.js";
import { renderPage } from "../layout.js";
import type { WebAssets } from "../WebAssets.js";
import type { SiteInfo } from "../webRoutes.js";
import type { PageMeta } from "./pageModels.js";
import { chrome, headMeta } from "./pageParts.js";

/** What every public page shares: the instance and the bundled assets. */
export interface PageFrame {
  assets: WebAssets;
  site: SiteInfo;
}

/** A public page: the chrome around `content`, head meta for shared links; `extraStyles` after the page's own (a profile's stylesheet). */
export function renderPublicPage(frame: PageFrame, meta: PageMeta | { title: string; description: string }, content: SafeHtml, extraStyles: `/${string}`[] = []): string {
  const siteName = frame.site.name;
  return renderPage({
    assets: frame.assets,
    title: meta.title === siteName ? meta.title : `${meta.title} · ${siteName}`,
    description: meta.description,
    head: "canonical" in meta ? headMeta(meta, siteName) : html``,
    body: chrome(content, { siteName }),
    styles: ["pages.css", ...extraStyles],
    scripts: ["pages.js"],
    bodyClass: "public-page",
  });
}
