import type { MediaUrl } from "./createMarkdownRenderer.js";
import type { ExternalImageUrl } from "./externalImageUrl.js";
import { renderMatrixHtml } from "./renderMatrixHtml.js";
import { renderWebHtml } from "./renderWebHtml.js";
import { sanitizeProfileCss } from "./sanitizeProfileCss.js";
import { sanitizeProfileHtml } from "./sanitizeProfileHtml.js";

/** One document to render or sanitize: plain data, so it can be handed to another thread. */
export interface RenderTask {
  /** `web`/`matrix`: Markdown to HTML; `profileHtml`/`profileCss`: the owner's markup by its allowlist. */
  kind: "web" | "matrix" | "profileHtml" | "profileCss";
  text: string;
}

/**
 * Runs one task synchronously (on whichever thread calls it). Throws only `INVALID_INPUT`. Without
 * `externalImageUrl`, http(s) images in web HTML are only linked.
 */
export function renderDocument(task: RenderTask, mediaUrl: MediaUrl, externalImageUrl?: ExternalImageUrl): string {
  switch (task.kind) {
    case "web":
      return renderWebHtml(task.text, { mediaUrl, ...(externalImageUrl ? { externalImageUrl } : {}) }).html;
    case "matrix":
      return renderMatrixHtml(task.text).html;
    case "profileHtml":
      return sanitizeProfileHtml(task.text);
    case "profileCss":
      return sanitizeProfileCss(task.text);
  }
}
