/**
 * Text as Markdown that reads as exactly that text: the platform renders message bodies as GFM, so
 * characters that would start markup are backslash-escaped. Linear time, no backtracking.
 */

// Always markup somewhere in a line: emphasis, code, links, raw HTML / autolinks, strikethrough, tables, escapes.
const ALWAYS = new Set(["\\", "`", "*", "[", "]", "<", ">", "~", "|"]);
const ALNUM = /[\p{L}\p{N}]/u;
const ENTITY_LIKE = /^&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});/;
// A bare URL as marked links it, up to an entity reference (which `<…>` would decode); bounded work per URL.
const BARE_URL = /(?:https?:\/\/|www\.)(?:[^\s<>&]|&(?!#?[A-Za-z0-9]{1,32};)){1,2048}/;
const URL_TRAILING_PUNCTUATION = /[.,:;!?'")\]]+$/;

/**
 * Escapes `text` for use inside a Markdown line (not at its start: see {@link escapeLineStart}).
 * With `autolinks`, bare http(s) and www URLs stay clickable and literal: written as `<url>` unless the
 * URL is plain and ends the word (marked would otherwise read escapes into it). `linkText`: for
 * text inside `[…]`.
 */
export function escapeInline(text: string, options: { autolinks?: boolean; linkText?: boolean } = {}): string {
  if (!options.autolinks) return escapeChars(text, options.linkText === true);
  let out = "";
  let last = 0;
  const urls = new RegExp(BARE_URL.source, "g");
  for (let match = urls.exec(text); match !== null; match = urls.exec(text)) {
    const url = match[0].replace(URL_TRAILING_PUNCTUATION, "");
    out += escapeChars(text.slice(last, match.index), false);
    const end = match.index + url.length;
    const plain = escapeChars(url, false) === url && (end === text.length || /\s/.test(text[end]!));
    if (!plain && url.startsWith("www.")) {
      // `<www.…>` is no autolink: an escaped dot keeps marked from linking (and misreading) it; the rest is text again.
      out += "www\\.";
      last = urls.lastIndex = match.index + 4;
      continue;
    }
    out += plain ? url : `<${url}>`;
    last = urls.lastIndex = end;
  }
  return out + escapeChars(text.slice(last), false);
}

function escapeChars(text: string, linkText: boolean): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    // marked drops the backslash of `\[` and `\]` in link text and then reads them as markup.
    if (linkText && (ch === "[" || ch === "]")) out += ch === "[" ? "&#91;" : "&#93;";
    else if (ALWAYS.has(ch)) out += `\\${ch}`;
    // `_` between letters or digits can neither open nor close emphasis.
    else if (ch === "_") out += ALNUM.test(text[i - 1] ?? "") && ALNUM.test(text[i + 1] ?? "") ? "_" : "\\_";
    else if (ch === "&") out += ENTITY_LIKE.test(text.slice(i, i + 40)) ? "\\&" : "&";
    else out += ch;
  }
  return out;
}

/**
 * Escapes what would start a block at the beginning of a line already escaped by
 * {@link escapeInline}: headings, quotes, list items, setext underlines, thematic breaks.
 */
export function escapeLineStart(line: string): string {
  const first = line[0];
  if (first === "#" || first === ">" || first === "-" || first === "+" || first === "=") return `\\${line}`;
  const ordered = /^(\d{1,9})([.)])/.exec(line);
  return ordered ? `${ordered[1]}\\${line.slice(ordered[1]!.length)}` : line;
}

/** A Markdown hard line break that stays invisible when the body is read as plain text. */
export const HARD_BREAK = "  \n";

/**
 * Plain text (a Matrix `body` without HTML) as Markdown: lines stay lines (hard breaks), blank
 * lines separate paragraphs, leading spaces stay visible (as no-break spaces, not a code block).
 */
export function plainTextToMarkdown(text: string): string {
  const paragraphs: string[][] = [[]];
  for (const raw of text.replace(/\r\n?/g, "\n").split("\n")) {
    const line = raw.trimEnd();
    if (line === "") {
      if (paragraphs.at(-1)!.length > 0) paragraphs.push([]);
      continue;
    }
    const indent = line.length - line.trimStart().length;
    paragraphs.at(-1)!.push("\u00a0".repeat(indent) + escapeLineStart(escapeInline(line.slice(indent), { autolinks: true })));
  }
  return paragraphs
    .filter((lines) => lines.length > 0)
    .map((lines) => lines.join(HARD_BREAK))
    .join("\n\n");
}

/** A link destination with the characters that would end or break it percent-encoded. */
export function linkDestination(url: string): string {
  return url.replace(/[()<>\s\\]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}
