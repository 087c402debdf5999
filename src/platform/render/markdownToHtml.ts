import { Marked, type RendererObject } from "marked";
import { boundedTokenizer } from "./boundedTokenizer.js";
import { escapeHtml } from "./escapeHtml.js";
import { exceedsMarkedLimits } from "./exceedsMarkedLimits.js";
import type { ExternalImageUrl } from "./externalImageUrl.js";
import { isMxcUri, safeLinkHref, safeMediaSrc, safeUrl } from "./urlPolicy.js";

/** How Markdown images become HTML before sanitizing. */
export interface MarkdownImages {
  /**
   * Where an http(s) image is shown from (web pages: Mirage's copy, never the image's host).
   * Absent, such an image is only linked (Matrix, where img needs mxc://; pages without the route).
   */
  external?: ExternalImageUrl;
}

/**
 * Markdown (GFM) → HTML that still has to go through the sanitizer. Raw HTML in the source is not
 * recognized at all (it stays visible text); links and images keep only URLs from `urlPolicy`.
 * Never throws: anything marked cannot handle is rendered as escaped plain-text paragraphs.
 */
export function markdownToHtml(source: string, images: MarkdownImages): string {
  const text = source.replace(/\r\n?/g, "\n").replace(/\0/g, "\uFFFD");
  if (exceedsMarkedLimits(text)) return plainTextHtml(text);
  try {
    const html = new Marked({ async: false, gfm: true, breaks: false, tokenizer: boundedTokenizer(text.length), renderer: renderer(images) }).parse(text);
    return typeof html === "string" ? html : plainTextHtml(text);
  } catch {
    return plainTextHtml(text);
  }
}

/** Paragraphs of escaped text: the fallback for input marked cannot render. */
function plainTextHtml(text: string): string {
  return text
    .split(/\n[ \t]*\n/)
    .map((block) => block.trim())
    .filter((block) => block !== "")
    .map((block) => `<p>${escapeHtml(block).replace(/\n/g, "<br>")}</p>`)
    .join("\n");
}

function renderer(images: MarkdownImages): RendererObject {
  return {
    html: ({ text }) => escapeHtml(text),
    checkbox: ({ checked }) => (checked ? "\u2611 " : "\u2610 "),
    link({ href, tokens }) {
      const inner = this.parser.parseInline(tokens);
      const url = safeLinkHref(decodeBasicEntities(href));
      return url === undefined ? inner : `<a href="${escapeHtml(url)}">${inner}</a>`;
    },
    image({ href, title, text, tokens }) {
      const alt = tokens ? this.parser.parseInline(tokens, this.parser.textRenderer) : text;
      const src = decodeBasicEntities(href);
      const inline = isMxcUri(src) ? src : externalSrc(src, images);
      if (inline !== undefined) {
        const titleAttr = title ? ` title="${escapeKeepingEntities(title)}"` : "";
        return `<img src="${escapeHtml(inline)}" alt="${escapeKeepingEntities(alt)}"${titleAttr}>`;
      }
      const link = safeLinkHref(src);
      if (link === undefined) return escapeKeepingEntities(alt);
      return `<a href="${escapeHtml(link)}">${alt === "" ? escapeHtml(link) : escapeKeepingEntities(alt)}</a>`;
    },
  };
}

/** The src an http(s) image is shown from, when pages serve such images through Mirage. */
function externalSrc(src: string, images: MarkdownImages): string | undefined {
  const url = images.external && safeUrl(src, ["https", "http"]);
  return url === undefined ? undefined : safeMediaSrc(images.external!(url));
}

/** Escapes text for HTML but leaves entity references (`&copy;`) for the sanitizer's parser to decode. */
function escapeKeepingEntities(text: string): string {
  return text.replace(/&(?!#[xX][0-9A-Fa-f]{1,6};|#\d{1,7};|[A-Za-z][A-Za-z0-9]{1,31};)|[<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const BASIC_ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * marked leaves entity references in link destinations, titles and alt text for the browser to
 * decode. Decode numeric and basic named ones here; anything left is escaped on output, so what was
 * checked is always exactly what the browser sees.
 */
function decodeBasicEntities(text: string): string {
  return text.replace(/&(#[xX][0-9A-Fa-f]{1,6}|#\d{1,7}|[A-Za-z]+);/g, (whole, ref: string) => {
    if (ref[0] !== "#") return BASIC_ENTITIES[ref] ?? whole;
    const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return "\uFFFD";
    return String.fromCodePoint(code);
  });
}
