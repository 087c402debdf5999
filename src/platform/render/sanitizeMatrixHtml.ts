import sanitizeHtml from "sanitize-html";
import {
  DISCARD_WITH_CONTENT_TAGS,
  LINK_REL,
  MATRIX_ALLOWED_ATTRIBUTES,
  MATRIX_ALLOWED_TAGS,
  MATRIX_CODE_CLASS,
  MATRIX_NESTING_LIMIT,
} from "./matrixHtmlAllowlist.js";
import { isMxcUri, LINK_SCHEMES, safeLinkHref, safeMediaSrc, safeUrl } from "./urlPolicy.js";

/**
 * Where the HTML goes. `matrix`: a `formatted_body`, so images must stay `mxc://`. `web`: Mirage's
 * pages and API, where `mxc://` images are served through `mediaUrl` and https images are allowed.
 */
export type HtmlTarget = { kind: "matrix" } | { kind: "web"; mediaUrl: (mxc: string) => string };

const HEX_COLOR = /^#[0-9A-Fa-f]{6}$/;
const DIMENSION = /^\d{1,5}$/;
const LIST_START = /^-?\d{1,9}$/;

/**
 * Reduces HTML to the Matrix `formatted_body` allowlist (see `matrixHtmlAllowlist.ts`): other
 * elements are dropped (script-like ones with their content), other attributes removed, links kept
 * only with an https/http/mailto/matrix href, images only with an `mxc://` src (web: served through
 * `mediaUrl`, or https). Web output also gets `rel` on links and no-referrer, lazy images.
 * Deterministic, never throws for any string, and the output never needs sanitizing again.
 */
export function sanitizeMatrixHtml(html: string, target: HtmlTarget): string {
  return sanitizeHtml(html, target.kind === "web" ? webOptions(target.mediaUrl) : MATRIX_OPTIONS);
}

function checkCommonAttributes(tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Attributes {
  switch (tagName) {
    case "a": {
      const href = attribs.href === undefined ? undefined : safeLinkHref(attribs.href);
      const out: sanitizeHtml.Attributes = {};
      if (href !== undefined) out.href = href;
      // Only `_blank` is meaningful from content; named targets could address other windows.
      if (attribs.target === "_blank") out.target = "_blank";
      return out;
    }
    case "img":
      for (const key of ["width", "height"] as const) {
        const value = attribs[key];
        if (value !== undefined && !DIMENSION.test(value)) delete attribs[key];
      }
      return attribs;
    case "ol":
      if (attribs.start !== undefined && !LIST_START.test(attribs.start)) delete attribs.start;
      return attribs;
    case "span":
      for (const key of ["data-mx-color", "data-mx-bg-color"] as const) {
        const value = attribs[key];
        if (value !== undefined && !HEX_COLOR.test(value)) delete attribs[key];
      }
      return attribs;
    default:
      return attribs;
  }
}

function baseOptions(checkImage: (src: string) => string | undefined, web: boolean): sanitizeHtml.IOptions {
  const allowedAttributes: Record<string, sanitizeHtml.AllowedAttribute[]> = {};
  for (const [tag, names] of Object.entries(MATRIX_ALLOWED_ATTRIBUTES)) allowedAttributes[tag] = [...names];
  if (web) {
    allowedAttributes.a = [...(allowedAttributes.a ?? []), "rel"];
    allowedAttributes.img = [...(allowedAttributes.img ?? []), "loading", "referrerpolicy"];
    // GFM table alignment; `formatted_body` has no attribute for it.
    for (const cell of ["th", "td"]) allowedAttributes[cell] = [{ name: "align", values: ["left", "center", "right"] }];
  }
  return {
    allowedTags: [...MATRIX_ALLOWED_TAGS],
    allowedAttributes,
    allowedClasses: { code: [MATRIX_CODE_CLASS] },
    allowedSchemes: [...LINK_SCHEMES],
    allowedSchemesByTag: { img: web ? ["https", "http"] : ["mxc"] },
    allowProtocolRelative: false,
    disallowedTagsMode: "discard",
    nonTextTags: [...DISCARD_WITH_CONTENT_TAGS],
    nestingLimit: MATRIX_NESTING_LIMIT,
    parseStyleAttributes: false,
    transformTags: {
      "*": (tagName, attribs) => {
        let checked = checkCommonAttributes(tagName, attribs);
        if (tagName === "img") {
          const src = checked.src === undefined ? undefined : checkImage(checked.src);
          if (src === undefined) delete checked.src;
          else checked.src = src;
          if (web) checked = { ...checked, loading: "lazy", referrerpolicy: "no-referrer" };
        }
        if (tagName === "a" && web && checked.href !== undefined) checked = { ...checked, rel: LINK_REL };
        return { tagName, attribs: checked };
      },
    },
    // A link without a usable href keeps its text; an image without a usable src goes.
    exclusiveFilter: (frame) => {
      if (frame.tag === "a" && frame.attribs.href === undefined) return "excludeTag";
      return frame.tag === "img" && frame.attribs.src === undefined;
    },
  };
}

const MATRIX_OPTIONS = baseOptions((src) => (isMxcUri(src) ? src : undefined), false);

function webOptions(mediaUrl: (mxc: string) => string): sanitizeHtml.IOptions {
  // An http(s) src is what the Markdown renderer chose (Mirage's copy of an external image, or its own media).
  return baseOptions((src) => (isMxcUri(src) ? safeMediaSrc(mediaUrl(src)) : safeUrl(src, ["https", "http"])), true);
}
