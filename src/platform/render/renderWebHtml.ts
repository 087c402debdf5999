import type { ExternalImageUrl } from "./externalImageUrl.js";
import { assertInputSize, DEFAULT_MAX_INPUT_CHARS } from "./assertInputSize.js";
import { markdownToHtml } from "./markdownToHtml.js";
import type { RenderOptions } from "./renderMatrixHtml.js";
import { sanitizeMatrixHtml } from "./sanitizeMatrixHtml.js";

export interface WebRenderOptions extends RenderOptions {
  /** Where browsers fetch an `mxc://` image: a root-relative path or an http(s) URL. */
  mediaUrl: (mxc: string) => string;
  /** Where browsers fetch an http(s) image (Mirage's copy); absent, such images are only linked. */
  externalImageUrl?: ExternalImageUrl;
}

/**
 * Markdown (GFM) → HTML for Mirage's pages and the API's `html` fields: the Matrix allowlist of tags
 * and attributes, links only to https/http/mailto/matrix URLs with `rel="noopener noreferrer
 * nofollow"`, images from `mxc://` (served through `mediaUrl`) or http(s) (served from Mirage's copy
 * through `externalImageUrl`, never from their host; linked instead without it), loaded lazily without a
 * referrer. Raw HTML in the source is shown as text. Deterministic; throws only `INVALID_INPUT`
 * for input over the size limit.
 */
export function renderWebHtml(markdown: string, options: WebRenderOptions): { html: string } {
  assertInputSize(markdown, options.maxInputChars ?? DEFAULT_MAX_INPUT_CHARS, "Markdown");
  const html = sanitizeMatrixHtml(markdownToHtml(markdown, options.externalImageUrl ? { external: options.externalImageUrl } : {}), { kind: "web", mediaUrl: options.mediaUrl });
  return { html: html.trim() };
}
