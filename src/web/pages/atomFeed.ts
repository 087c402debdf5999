import type { PageUrls } from "./pageUrls.js";

/** One post in a feed. */
export interface FeedEntry {
  id: string;
  title: string;
  slug: string;
  authorName: string;
  /** Sanitized HTML with absolute URLs. */
  html: string;
  publishedAt: number;
  updatedAt: number;
}

export interface FeedInput {
  owner: string;
  /** The owner's display name. */
  ownerName: string;
  title: string;
  description: string;
  /** Newest first. */
  entries: readonly FeedEntry[];
  /** Absolute page addresses (under the public URL). */
  urls: PageUrls;
  /** The public URL, for the entries' permanent ids. */
  publicUrl: string;
  /** When the blog last changed, for an empty feed. */
  updatedAt: number;
}

// XML 1.0 allows neither these characters nor lone surrogates, escaped or not.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** Text as XML character data or a quoted attribute value. */
export function xmlText(text: string): string {
  return text.replace(NOT_XML, "").replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A blog's posts as an Atom 1.0 document (RFC 4287): every link absolute, each entry's id a
 * permanent URL of the post that survives a change of slug, content as escaped HTML.
 */
export function atomFeed(input: FeedInput): string {
  const { urls, owner } = input;
  const root = input.publicUrl.replace(/\/+$/, "");
  const updated = Math.max(input.updatedAt, ...input.entries.map((entry) => entry.updatedAt));
  const entries = input.entries.map((entry) => {
    const link = urls.post(owner, entry.slug);
    return [
      "<entry>",
      `<id>${xmlText(`${root}/api/v1/posts/${encodeURIComponent(entry.id)}`)}</id>`,
      `<title type="text">${xmlText(entry.title)}</title>`,
      `<link rel="alternate" type="text/html" href="${xmlText(link)}"/>`,
      `<published>${iso(entry.publishedAt)}</published>`,
      `<updated>${iso(entry.updatedAt)}</updated>`,
      `<author><name>${xmlText(entry.authorName)}</name></author>`,
      `<content type="html">${xmlText(entry.html)}</content>`,
      "</entry>",
    ].join("");
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `<id>${xmlText(urls.blog(owner))}</id>`,
    `<title type="text">${xmlText(input.title)}</title>`,
    ...(input.description !== "" ? [`<subtitle type="text">${xmlText(input.description)}</subtitle>`] : []),
    `<updated>${iso(updated)}</updated>`,
    `<link rel="self" type="application/atom+xml" href="${xmlText(urls.feed(owner))}"/>`,
    `<link rel="alternate" type="text/html" href="${xmlText(urls.blog(owner))}"/>`,
    `<author><name>${xmlText(input.ownerName)}</name></author>`,
    "<generator>Mirage</generator>",
    ...entries,
    "</feed>",
    "",
  ].join("\n");
}
