import type { ProfileSanitizer } from "../accounts/ProfileService.js";
import type { MarkdownRenderer } from "../ports/MarkdownRenderer.js";
import { renderMatrixHtml } from "./renderMatrixHtml.js";
import { renderWebHtml } from "./renderWebHtml.js";
import { sanitizeProfileCss } from "./sanitizeProfileCss.js";
import { sanitizeProfileHtml } from "./sanitizeProfileHtml.js";

/** `mxc://server/id` → where Mirage's web side serves that media. */
export type MediaUrl = (mxc: string) => string;

/** The Markdown renderer the services use: web HTML for pages and the API, Matrix HTML for `formatted_body`. */
export function createMarkdownRenderer(mediaUrl: MediaUrl): MarkdownRenderer {
  return {
    toWebHtml: (markdown) => renderWebHtml(markdown, { mediaUrl }).html,
    toMatrixHtml: (markdown) => renderMatrixHtml(markdown).html,
  };
}

/** The profile sanitizers: bio as Markdown, the owner's HTML and CSS by their allowlists. */
export function createProfileSanitizer(mediaUrl: MediaUrl): ProfileSanitizer {
  return {
    bioHtml: (markdown) => renderWebHtml(markdown, { mediaUrl }).html,
    html: (raw) => sanitizeProfileHtml(raw),
    css: (raw) => sanitizeProfileCss(raw),
  };
}

/** Media links for pages: `<publicUrl>/media/<server>/<id>`. */
export function mediaUrlUnder(publicUrl: string): MediaUrl {
  const base = publicUrl.replace(/\/+$/, "");
  return (mxc) => {
    const [server, id] = mxc.slice("mxc://".length).split("/", 2);
    return `${base}/media/${encodeURIComponent(server ?? "")}/${encodeURIComponent(id ?? "")}`;
  };
}
