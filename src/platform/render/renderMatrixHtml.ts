import { assertInputSize, DEFAULT_MAX_INPUT_CHARS } from "./assertInputSize.js";
import { markdownToHtml } from "./markdownToHtml.js";
import { sanitizeMatrixHtml } from "./sanitizeMatrixHtml.js";

export interface RenderOptions {
  /** Longest accepted source, in characters; longer input is an `INVALID_INPUT` error. */
  maxInputChars?: number;
}

/**
 * Markdown (GFM) → `formatted_body` HTML for `format: org.matrix.custom.html`: only the tags and
 * attributes the Matrix spec allows, links only to https/http/mailto/matrix URLs, images only as
 * `mxc://` (any other image becomes a link to it). Raw HTML in the source is shown as text. A
 * message that is a single paragraph is sent without the `<p>` wrapper, as the spec asks for no
 * unneeded markup. Deterministic; throws only `INVALID_INPUT` for input over the size limit.
 */
export function renderMatrixHtml(markdown: string, options: RenderOptions = {}): { html: string } {
  assertInputSize(markdown, options.maxInputChars ?? DEFAULT_MAX_INPUT_CHARS, "Markdown");
  const html = sanitizeMatrixHtml(markdownToHtml(markdown, {}), { kind: "matrix" }).trim();
  return { html: unwrapSingleParagraph(html) };
}

function unwrapSingleParagraph(html: string): string {
  if (!html.startsWith("<p>") || !html.endsWith("</p>")) return html;
  const inner = html.slice(3, -4);
  // Paragraphs cannot nest, so any other `<p>` or `</p>` means there is more than one block.
  return inner.includes("<p>") || inner.includes("</p>") || /<(?:h[1-6]|ul|ol|pre|blockquote|table|hr|div|details)\b/.test(inner) ? html : inner;
}
