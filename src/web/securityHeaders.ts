import type { FastifyReply } from "fastify";

/**
 * The policy of every page Mirage serves: scripts and styles only from our own fingerprinted
 * assets (no inline script, no style attributes), nothing framed in or framing us.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "manifest-src 'self'",
].join("; ");

const PAGE_HEADERS: Record<string, string> = {
  "content-security-policy": PAGE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
  "x-frame-options": "DENY",
};

/**
 * Sets the page headers on an HTML (or feed) response. A route needing a wider policy passes
 * its own CSP, and says why next to it.
 */
export function setPageHeaders(reply: FastifyReply, csp: string = PAGE_CSP): void {
  for (const [name, value] of Object.entries(PAGE_HEADERS)) reply.header(name, value);
  reply.header("content-security-policy", csp);
}

/** Whether a response's content type is a document a browser would render (and so needs the page headers). */
export function isDocumentType(contentType: unknown): boolean {
  return typeof contentType === "string" && /^(text\/html|application\/xhtml\+xml|application\/atom\+xml|image\/svg\+xml)\b/i.test(contentType);
}
