import { ErrorCodes, MirageError } from "../errors/MirageError.js";
import { BLOG_LIMITS } from "./contentRules.js";

/** Slugs are URL segments (`/@owner/<slug>`): lowercase ASCII letters and digits in dash-separated words. */
export const SLUG_PATTERN = "^[a-z0-9]+(?:-[a-z0-9]+)*$";
const SLUG = new RegExp(SLUG_PATTERN);

/** Generated slugs stay this short, so a `-<n>` suffix always fits within the limit. */
const BASE_CHARS = 64;
const FALLBACK = "post";

/**
 * A slug from a title: accents folded (é → e), everything but letters and digits turned into
 * single dashes, at most 64 characters cut at a word boundary when possible; "post" when
 * nothing is left (titles in scripts without Latin letters).
 */
export function slugify(title: string): string {
  const words = title
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (words === "") return FALLBACK;
  if (words.length <= BASE_CHARS) return words;
  const cut = words.slice(0, BASE_CHARS + 1);
  const boundary = cut.lastIndexOf("-");
  return (boundary > BASE_CHARS / 2 ? cut.slice(0, boundary) : cut.slice(0, BASE_CHARS)).replace(/-+$/, "");
}

/** `base` if free, else the first free `base-2`, `base-3`, … */
export function freeSlug(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** A slug a client chose; throws INVALID_INPUT unless it is already in slug form. */
export function checkSlug(raw: string): string {
  if (raw.length > BLOG_LIMITS.slugChars || !SLUG.test(raw)) {
    throw new MirageError(ErrorCodes.invalidInput, `slug must be 1-${BLOG_LIMITS.slugChars} characters of a-z and 0-9 in words joined by single dashes`);
  }
  return raw;
}
