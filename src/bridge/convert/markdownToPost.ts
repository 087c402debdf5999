import { ErrorCodes, MirageError } from "../../platform/errors/MirageError.js";

/** A post as a Matrix message carries it: the title on the first line, the Markdown body after it. */
export interface PostText {
  title: string;
  body: string;
}

// Any ASCII punctuation may be backslash-escaped in Markdown (CommonMark "Backslash escapes").
const ESCAPED = /\\([!-/:-@[-`{-~])/g;

/**
 * Splits imported Markdown into a post: the first line, without backslash escapes and ATX heading
 * marks (`# Title #`), is the title; the lines after it, without leading blank lines, are the
 * body. INVALID_INPUT when either is empty, saying how a post is written (the title and body
 * rules themselves are the platform's).
 */
export function markdownToPost(markdown: string): PostText {
  const text = markdown.replace(/\r\n?/g, "\n");
  const end = text.indexOf("\n");
  const firstLine = end === -1 ? text : text.slice(0, end);
  const title = firstLine
    .replace(ESCAPED, "$1")
    .trim()
    .replace(/^#{1,6}(?:\s+|$)/, "")
    .replace(/\s+#+$/, "")
    .trim();
  const body = end === -1 ? "" : text.slice(end + 1).replace(/^(?:[ \t]*\n)+/, "").trimEnd();
  if (title === "" || body.trim() === "") {
    throw new MirageError(ErrorCodes.invalidInput, "a post is its title on the first line and its body on the lines after it");
  }
  return { title, body };
}
