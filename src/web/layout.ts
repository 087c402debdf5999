import { html, type SafeHtml } from "./html.js";
import type { AssetName, WebAssets } from "./WebAssets.js";

export interface PageOptions {
  assets: WebAssets;
  title: string;
  description?: string;
  /** Extra head elements: canonical link, OpenGraph meta, feed links. */
  head?: SafeHtml;
  body: SafeHtml;
  /** Asset names, or root-relative URLs of other stylesheets (a profile's own CSS). */
  styles: ReadonlyArray<AssetName | `/${string}`>;
  scripts?: ReadonlyArray<AssetName>;
  bodyClass?: string;
  lang?: string;
}

function assetUrl(assets: WebAssets, nameOrUrl: string): string {
  return nameOrUrl.startsWith("/") ? nameOrUrl : assets.url(nameOrUrl as AssetName);
}

/**
 * A whole HTML document: no inline script or style (our CSP allows neither), scripts as deferred
 * modules, a skip link to `#main` (the caller's body provides the element with that id).
 */
export function renderPage(options: PageOptions): string {
  const { assets } = options;
  return `<!doctype html>\n${html`<html lang="${options.lang ?? "en"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${options.title}</title>
${options.description !== undefined ? html`<meta name="description" content="${options.description}">` : ""}
${options.styles.map((s) => html`<link rel="stylesheet" href="${assetUrl(assets, s)}">`)}
${(options.scripts ?? []).map((s) => html`<script type="module" src="${assets.url(s)}"></script>`)}
${options.head ?? ""}
</head>
<body${options.bodyClass ? html` class="${options.bodyClass}"` : ""}>
<a class="skip-link" href="#main">Skip to content</a>
${options.body}
</body>
</html>
`}`;
}
