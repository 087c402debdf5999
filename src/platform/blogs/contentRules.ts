import { ErrorCodes, MirageError } from "../errors/MirageError.js";

/** Bounds on what people write; request schemas use the same numbers. Lengths are in characters (code points). */
export const BLOG_LIMITS = {
  titleChars: 200,
  descriptionChars: 1000,
  postBodyChars: 100_000,
  commentBodyChars: 20_000,
  tags: 10,
  tagChars: 32,
  slugChars: 80,
  /** Replies nest at most this deep (a top-level comment is depth 0). */
  commentDepth: 15,
} as const;

// Unpaired surrogates cannot be stored as UTF-8; control characters have no place in text.
const CONTROL_OR_SURROGATE = /[\p{Cc}\p{Cs}]/u;
const CONTROL_EXCEPT_WHITESPACE_OR_SURROGATE = /[\p{Cs}\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/u;
const TAG = /^[\p{L}\p{N}][\p{L}\p{M}\p{N} _-]*$/u;

const chars = (text: string) => [...text].length;
const invalid = (message: string) => new MirageError(ErrorCodes.invalidInput, message);

/** A one-line text (a title): NFC, trimmed, 1..max characters. */
export function checkLine(raw: string, what: string, max: number): string {
  if (CONTROL_OR_SURROGATE.test(raw)) throw invalid(`${what} must be one line without control characters`);
  const text = raw.normalize("NFC").trim();
  if (text === "") throw invalid(`${what} must not be empty`);
  if (chars(text) > max) throw invalid(`${what} must be at most ${max} characters`);
  return text;
}

/** Multi-line text (Markdown bodies, descriptions): kept as written, at most `max` characters, non-blank unless `allowEmpty`. */
export function checkText(raw: string, what: string, max: number, allowEmpty = false): string {
  if (CONTROL_EXCEPT_WHITESPACE_OR_SURROGATE.test(raw)) throw invalid(`${what} must not contain control characters`);
  if (!allowEmpty && raw.trim() === "") throw invalid(`${what} must not be empty`);
  if (chars(raw) > max) throw invalid(`${what} must be at most ${max} characters`);
  return raw;
}

/** Tags: NFC, lowercase, trimmed, inner spaces collapsed, letters/digits/space/-/_, deduplicated, bounded. */
export function normalizeTags(raw: readonly string[]): string[] {
  const tags = new Set<string>();
  for (const input of raw) {
    const tag = input.normalize("NFC").toLowerCase().trim().replace(/\s+/g, " ");
    if (!TAG.test(tag)) throw invalid(`tag "${input.slice(0, 40)}" must start with a letter or digit and hold only letters, digits, spaces, '-' and '_'`);
    if (chars(tag) > BLOG_LIMITS.tagChars) throw invalid(`tags must be at most ${BLOG_LIMITS.tagChars} characters`);
    tags.add(tag);
  }
  if (tags.size > BLOG_LIMITS.tags) throw invalid(`a post has at most ${BLOG_LIMITS.tags} tags`);
  return [...tags];
}
