import { generate, parse, walk } from "css-tree";
import sanitizeHtml from "sanitize-html";
import { parseCss } from "../../platform/render/css/parseCss.js";
import { sanitizeDeclarations } from "../../platform/render/css/sanitizeDeclarations.js";
import { DEFAULT_PROFILE_SCOPE } from "../../platform/render/sanitizeProfileCss.js";
import { PROFILE_ALLOWED_ATTRIBUTES, PROFILE_ALLOWED_TAGS } from "../../platform/render/sanitizeProfileHtml.js";

const attributes = Object.fromEntries(Object.entries(PROFILE_ALLOWED_ATTRIBUTES).map(([tag, names]) => [tag, [...names]]));

/** Where a page loads an https image from instead of its host (Mirage's signed copy). */
export type PageImageUrl = (url: string) => string;

/** A profile's custom HTML and the one stylesheet that goes with it on its page. */
export interface PageProfile {
  /** The sanitized HTML without `style` attributes (each became `data-mps="<n>"`) and with images from `imageUrl`. */
  html: string;
  /** The sanitized, scoped CSS, then one rule per former `style` attribute; every `url()` from `imageUrl`. */
  css: string;
}

/** The attribute that stands for an element's former `style` attribute. */
export const STYLE_REF_ATTRIBUTE = "data-mps";

/**
 * A profile's sanitized HTML and CSS (as `ProfileService` stores them) made fit for a page under
 * Mirage's CSP, which forbids inline styles and images from other hosts:
 * - each `style` attribute moves into the stylesheet as `<scope> [data-mps="n"]{…}`, its
 *   declarations made `!important` so they still win over the owner's rules, as inline styles do;
 * - `<img src>` and CSS `url()` point at `imageUrl(url)` (Mirage's signed copy), so readers'
 *   browsers never contact the image's host.
 * Both inputs were sanitized already; this only rewrites them.
 */
export function profileForPage(sanitizedHtml: string, sanitizedCss: string, imageUrl: PageImageUrl, scope: string = DEFAULT_PROFILE_SCOPE): PageProfile {
  const styleRules: string[] = [];
  const html = sanitizeHtml(sanitizedHtml, {
    // The profile allowlist again (the input passed it already), so nothing else can come through here.
    allowedTags: [...PROFILE_ALLOWED_TAGS],
    allowedAttributes: { ...attributes, "*": [...(attributes["*"] ?? []), STYLE_REF_ATTRIBUTE] },
    allowedSchemes: ["https", "mailto"],
    allowProtocolRelative: false,
    disallowedTagsMode: "discard",
    transformTags: {
      "*": (tagName, attribs) => {
        const out: sanitizeHtml.Attributes = {};
        for (const [name, value] of Object.entries(attribs)) {
          if (name === STYLE_REF_ATTRIBUTE) continue;
          if (name === "style") {
            const declarations = sanitizeDeclarations(parseCss(value, "declarationList"));
            if (declarations.length === 0) continue;
            out[STYLE_REF_ATTRIBUTE] = String(styleRules.length);
            const important = declarations.map((d) => (d.endsWith(" !important") ? d : `${d} !important`));
            styleRules.push(`${scope} [${STYLE_REF_ATTRIBUTE}="${styleRules.length}"]{${important.join(";")}}`);
          } else if (tagName === "img" && name === "src") {
            out.src = imageUrl(value);
          } else {
            out[name] = value;
          }
        }
        return { tagName, attribs: out };
      },
    },
  });
  const css = rewriteCssUrls([sanitizedCss, ...styleRules].filter((part) => part !== "").join("\n"), imageUrl);
  return { html: html.trim(), css };
}

/** The stylesheet with every `url()` replaced by `imageUrl(url)`. */
function rewriteCssUrls(css: string, imageUrl: PageImageUrl): string {
  if (!css.includes("url(")) return css;
  const ast = parse(css, { positions: false });
  walk(ast, {
    visit: "Url",
    enter(node) {
      node.value = imageUrl(node.value);
    },
  });
  return generate(ast);
}
