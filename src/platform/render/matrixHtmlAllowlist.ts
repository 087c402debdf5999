/**
 * The HTML the Matrix client-server spec suggests for `formatted_body` (`org.matrix.custom.html`,
 * "m.room.message msgtypes"). `font` is left out: the spec deprecated it (v1.10) in favour of
 * `span` with `data-mx-color` / `data-mx-bg-color`. `mx-reply` is left out: v1.13 says to strip it.
 */
export const MATRIX_ALLOWED_TAGS: readonly string[] = [
  "del", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "p", "a", "ul", "ol", "sup", "sub", "li",
  "b", "i", "u", "strong", "em", "s", "code", "hr", "br", "div", "table", "thead", "tbody", "tr",
  "th", "td", "caption", "pre", "span", "img", "details", "summary",
];

/** Attributes per tag, as the spec lists them; values are checked separately. */
export const MATRIX_ALLOWED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  span: ["data-mx-bg-color", "data-mx-color", "data-mx-spoiler", "data-mx-maths"],
  a: ["target", "href"],
  img: ["width", "height", "alt", "title", "src"],
  ol: ["start"],
  // `class` on `code` is allowed through the class allowlist below.
  div: ["data-mx-maths"],
};

/** `code` may carry only syntax-highlighting classes. */
export const MATRIX_CODE_CLASS = /^language-[A-Za-z0-9_+#.-]{1,40}$/;

/** The spec caps nesting at 100 levels. */
export const MATRIX_NESTING_LIMIT = 100;

/** `rel` given to every link on web pages (not in `formatted_body`, where the spec does not list it). */
export const LINK_REL = "noopener noreferrer nofollow";

/**
 * Elements dropped together with their content: raw-text elements (whose content a browser does
 * not parse as markup), foreign content (SVG, MathML) and plugin containers.
 */
export const DISCARD_WITH_CONTENT_TAGS: readonly string[] = [
  "script", "style", "textarea", "option", "xmp", "noscript", "noembed", "noframes", "template",
  "title", "iframe", "plaintext", "select", "svg", "math", "object", "applet", "frameset",
];
