import sanitizeHtml from "sanitize-html";
import { assertInputSize, DEFAULT_MAX_INPUT_CHARS } from "./assertInputSize.js";
import { DISCARD_WITH_CONTENT_TAGS, LINK_REL } from "./matrixHtmlAllowlist.js";
import { profileName } from "./profileName.js";
import { sanitizeStyleAttribute } from "./sanitizeStyleAttribute.js";
import { safeHttpsUrl, safeUrl } from "./urlPolicy.js";

/** Structure and text elements a profile page may use. */
export const PROFILE_ALLOWED_TAGS: readonly string[] = [
  "div", "span", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header",
  "footer", "aside", "nav", "figure", "figcaption", "blockquote", "pre", "code", "ul", "ol", "li", "dl",
  "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col",
  "details", "summary", "a", "img", "b", "i", "u", "s", "strong", "em", "small", "mark", "sub", "sup",
  "abbr", "cite", "q", "kbd", "samp", "var", "del", "ins", "time", "address", "ruby", "rt", "rp", "wbr",
  "bdi", "bdo",
];

/** Attributes per element (`*`: on every element); each value is checked below. */
export const PROFILE_ALLOWED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  "*": ["class", "id", "title", "lang", "dir", "style"],
  a: ["href", "target", "rel"],
  img: ["src", "alt", "width", "height", "loading", "referrerpolicy"],
  ol: ["start", "reversed", "type"],
  li: ["value"],
  th: ["colspan", "rowspan", "scope"],
  td: ["colspan", "rowspan"],
  col: ["span"],
  colgroup: ["span"],
  time: ["datetime"],
  details: ["open"],
};

const LANG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8}){0,4}$/;
const SMALL_INTEGER = /^\d{1,4}$/;
const INTEGER = /^-?\d{1,9}$/;
const DATETIME = /^[0-9TZ:+. -]{1,40}$/;
const VALUE_CHECKS: Readonly<Record<string, (value: string) => boolean>> = {
  lang: (v) => LANG.test(v),
  dir: (v) => v === "ltr" || v === "rtl" || v === "auto",
  width: (v) => SMALL_INTEGER.test(v),
  height: (v) => SMALL_INTEGER.test(v),
  colspan: (v) => SMALL_INTEGER.test(v),
  rowspan: (v) => SMALL_INTEGER.test(v),
  span: (v) => SMALL_INTEGER.test(v),
  start: (v) => INTEGER.test(v),
  value: (v) => INTEGER.test(v),
  type: (v) => ["1", "a", "A", "i", "I"].includes(v),
  scope: (v) => ["row", "col", "rowgroup", "colgroup"].includes(v),
  datetime: (v) => DATETIME.test(v),
  reversed: (v) => v === "",
  open: (v) => v === "",
};

export interface ProfileHtmlOptions {
  /** Longest accepted source, in characters; longer input is an `INVALID_INPUT` error. */
  maxInputChars?: number;
}

/**
 * A profile owner's custom HTML → HTML for their public page: only the structure and text elements
 * above (no script, style, iframe, object, embed, form controls, link, meta, base, svg, math,
 * template), only the listed attributes with checked values (no event handlers, no `srcset`),
 * `class`/`id` limited to plain names and prefixed (`about` → `mp-about`, see `profileName`) so
 * they can neither clobber the page's DOM nor pick up its styles, `style` reduced by the profile
 * CSS allowlist, links only to https, mailto or `#fragment` (prefixed likewise) with
 * `rel="noopener noreferrer nofollow"`, images only from https, lazy and without a referrer. Deterministic; throws only `INVALID_INPUT` for input over the size limit.
 */
export function sanitizeProfileHtml(html: string, options: ProfileHtmlOptions = {}): string {
  assertInputSize(html, options.maxInputChars ?? DEFAULT_MAX_INPUT_CHARS, "HTML");
  return sanitizeHtml(html, PROFILE_OPTIONS).trim();
}

function checkAttributes(tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Attributes {
  const out: sanitizeHtml.Attributes = {};
  for (const [name, value] of Object.entries(attribs)) {
    if (name === "class") {
      const names = [...new Set(value.split(/[ \t\n\f\r]+/).flatMap((n) => profileName(n) ?? []))];
      if (names.length > 0) out.class = names.join(" ");
    } else if (name === "id") {
      const id = profileName(value);
      if (id !== undefined) out.id = id;
    } else if (name === "style") {
      const style = sanitizeStyleAttribute(value);
      if (style !== "") out.style = style;
    } else if (name === "title" || name === "alt") {
      out[name] = value;
    } else if (Object.hasOwn(VALUE_CHECKS, name) && VALUE_CHECKS[name]!(value)) {
      out[name] = value;
    }
  }
  if (tagName === "a") {
    const raw = attribs.href ?? "";
    const fragment = raw.startsWith("#") ? profileName(raw.slice(1)) : undefined;
    const href = fragment !== undefined ? `#${fragment}` : safeUrl(raw, ["https", "mailto"]);
    if (href !== undefined) {
      out.href = href;
      out.rel = LINK_REL;
      if (attribs.target === "_blank") out.target = "_blank";
    }
  } else if (tagName === "img") {
    const src = attribs.src === undefined ? undefined : safeHttpsUrl(attribs.src);
    if (src !== undefined) Object.assign(out, { src, loading: "lazy", referrerpolicy: "no-referrer" });
  }
  return out;
}

const PROFILE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...PROFILE_ALLOWED_TAGS],
  allowedAttributes: Object.fromEntries(Object.entries(PROFILE_ALLOWED_ATTRIBUTES).map(([tag, names]) => [tag, [...names]])),
  allowedSchemes: ["https", "mailto"],
  allowedSchemesByTag: { img: ["https"] },
  allowProtocolRelative: false,
  disallowedTagsMode: "discard",
  nonTextTags: [...DISCARD_WITH_CONTENT_TAGS],
  nestingLimit: 100,
  parseStyleAttributes: false,
  transformTags: { "*": (tagName, attribs) => ({ tagName, attribs: checkAttributes(tagName, attribs) }) },
  exclusiveFilter: (frame) => {
    if (frame.tag === "a" && frame.attribs.href === undefined) return "excludeTag";
    return frame.tag === "img" && frame.attribs.src === undefined;
  },
};
