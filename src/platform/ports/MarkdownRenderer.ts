/**
 * Renders Markdown once, at write time, into sanitized HTML for pages and the API. Asynchronous:
 * large documents are rendered off the event loop. Rejects with `INVALID_INPUT` (over the size
 * limit), `CONTENT_TOO_COMPLEX` (over the per-document time limit) or `OVERLOADED` (too many
 * documents waiting); never returns unsanitized HTML.
 */
export interface MarkdownRenderer {
  /** HTML for Mirage's pages and API `html` fields (sanitized by allowlist). */
  toWebHtml(markdown: string): Promise<string>;
  /** HTML for Matrix `formatted_body` (the spec's allowlist; images only as mxc://). */
  toMatrixHtml(markdown: string): Promise<string>;
}
