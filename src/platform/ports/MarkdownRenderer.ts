/** Renders Markdown once, at write time, into sanitized HTML for pages and the API. */
export interface MarkdownRenderer {
  /** HTML for Mirage's pages and API `html` fields (sanitized by allowlist). */
  toWebHtml(markdown: string): string;
  /** HTML for Matrix `formatted_body` (the spec's allowlist; images only as mxc://). */
  toMatrixHtml(markdown: string): string;
}
