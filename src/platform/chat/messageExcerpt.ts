/** Longest excerpt of a message shown in a room list. */
export const EXCERPT_MAX_LENGTH = 140;

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/**
 * A message's rendered (sanitized) HTML as one line of plain text of at most
 * {@link EXCERPT_MAX_LENGTH} characters, cut at a code point and ended with "…" when cut.
 * Plain text, not HTML: whoever shows it escapes it.
 */
export function messageExcerpt(html: string): string {
  const text = html
    .replace(/<(br|\/p|\/li|\/h[1-6]|\/blockquote|\/pre|\/tr)\b[^>]*>/gi, " ")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (entity, name: string) => decodeEntity(name) ?? entity)
    .replace(/\s+/g, " ")
    .trim();
  const chars = Array.from(text);
  return chars.length <= EXCERPT_MAX_LENGTH ? text : `${chars.slice(0, EXCERPT_MAX_LENGTH - 1).join("").trimEnd()}…`;
}

function decodeEntity(name: string): string | undefined {
  if (name[0] !== "#") return ENTITIES[name.toLowerCase()];
  const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
  return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : undefined;
}
