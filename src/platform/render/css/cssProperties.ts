/**
 * The CSS a profile owner may use: properties that style their own content and cannot reach
 * outside it (no `position`, `top`/`left`/`inset`, `z-index`, `transform`, `translate`, `content`,
 * `cursor`, `filter`, animations or custom properties) or load anything except an https
 * background image. Lengths are bounded (see `serializeCssValue.ts`) and margins cannot be
 * negative, so no box is pulled up or left out of its place or sized past a large page.
 */

/** What a component of a property's value may be. */
export type ValueKind =
  /** Lengths, percentages, zero, and calc()/min()/max()/clamp() over those. */
  | "length"
  /** Plain numbers and percentages (opacity, line-height, flex-grow, aspect-ratio). */
  | "number"
  /** Whole numbers (grid lines, order, column-count). */
  | "integer"
  /** Hex colors, named colors, rgb()/rgba()/hsl()/hsla(). */
  | "color"
  /** Font names as plain words or quoted strings. */
  | "fontFamily"
  /** Gradients. */
  | "gradient"
  /** `url(https://…)`. */
  | "url"
  /** `fr` tracks, repeat(), minmax(), fit-content(). */
  | "gridTrack";

export interface PropertyRule {
  kinds: readonly ValueKind[];
  keywords?: readonly string[];
  /** Lengths below zero are raised to zero (margins: a negative one moves a box out of its place). */
  nonNegative?: boolean;
}

/** Keywords every property accepts. */
export const GLOBAL_KEYWORDS: ReadonlySet<string> = new Set(["inherit", "initial", "unset", "revert"]);

/**
 * Length units with their size in px as bounds are checked (font-relative ones at a 16px font).
 * Viewport units (`vw`, `vh`, …) and container units (which fall back to them) are not here: they
 * size a box by the page, not by the profile.
 */
export const LENGTH_UNITS: ReadonlyMap<string, number> = new Map([
  ["px", 1], ["em", 16], ["rem", 16], ["lh", 16], ["ex", 8], ["ch", 8],
  ["pt", 4 / 3], ["pc", 16], ["in", 96], ["cm", 96 / 2.54], ["mm", 96 / 25.4], ["q", 96 / 101.6],
]);

export const ANGLE_UNITS: ReadonlySet<string> = new Set(["deg", "rad", "grad", "turn"]);

export const NAMED_COLORS: ReadonlySet<string> = new Set([
  "transparent", "currentcolor",
  "aliceblue", "antiquewhite", "aqua", "aquamarine", "azure", "beige", "bisque", "black", "blanchedalmond",
  "blue", "blueviolet", "brown", "burlywood", "cadetblue", "chartreuse", "chocolate", "coral",
  "cornflowerblue", "cornsilk", "crimson", "cyan", "darkblue", "darkcyan", "darkgoldenrod", "darkgray",
  "darkgreen", "darkgrey", "darkkhaki", "darkmagenta", "darkolivegreen", "darkorange", "darkorchid",
  "darkred", "darksalmon", "darkseagreen", "darkslateblue", "darkslategray", "darkslategrey",
  "darkturquoise", "darkviolet", "deeppink", "deepskyblue", "dimgray", "dimgrey", "dodgerblue",
  "firebrick", "floralwhite", "forestgreen", "fuchsia", "gainsboro", "ghostwhite", "gold", "goldenrod",
  "gray", "green", "greenyellow", "grey", "honeydew", "hotpink", "indianred", "indigo", "ivory", "khaki",
  "lavender", "lavenderblush", "lawngreen", "lemonchiffon", "lightblue", "lightcoral", "lightcyan",
  "lightgoldenrodyellow", "lightgray", "lightgreen", "lightgrey", "lightpink", "lightsalmon",
  "lightseagreen", "lightskyblue", "lightslategray", "lightslategrey", "lightsteelblue", "lightyellow",
  "lime", "limegreen", "linen", "magenta", "maroon", "mediumaquamarine", "mediumblue", "mediumorchid",
  "mediumpurple", "mediumseagreen", "mediumslateblue", "mediumspringgreen", "mediumturquoise",
  "mediumvioletred", "midnightblue", "mintcream", "mistyrose", "moccasin", "navajowhite", "navy",
  "oldlace", "olive", "olivedrab", "orange", "orangered", "orchid", "palegoldenrod", "palegreen",
  "paleturquoise", "palevioletred", "papayawhip", "peachpuff", "peru", "pink", "plum", "powderblue",
  "purple", "rebeccapurple", "red", "rosybrown", "royalblue", "saddlebrown", "salmon", "sandybrown",
  "seagreen", "seashell", "sienna", "silver", "skyblue", "slateblue", "slategray", "slategrey", "snow",
  "springgreen", "steelblue", "tan", "teal", "thistle", "tomato", "turquoise", "violet", "wheat", "white",
  "whitesmoke", "yellow", "yellowgreen",
]);

const BORDER_STYLES = ["none", "hidden", "dotted", "dashed", "solid", "double", "groove", "ridge", "inset", "outset"];
const BORDER_WIDTHS = ["thin", "medium", "thick"];
const POSITIONS = ["top", "right", "bottom", "left", "center"];
const SIZES = ["auto", "none", "min-content", "max-content", "fit-content"];
const ALIGNMENT = [
  "normal", "stretch", "center", "start", "end", "flex-start", "flex-end", "self-start", "self-end",
  "left", "right", "baseline", "first", "last", "space-between", "space-around", "space-evenly", "safe",
  "unsafe", "auto",
];
const LIST_STYLE_TYPES = [
  "none", "disc", "circle", "square", "decimal", "decimal-leading-zero", "lower-roman", "upper-roman",
  "lower-alpha", "upper-alpha", "lower-latin", "upper-latin", "lower-greek",
];
const TEXT_DECORATION_LINES = ["none", "underline", "overline", "line-through"];
const TEXT_DECORATION_STYLES = ["solid", "double", "dotted", "dashed", "wavy"];

const color: PropertyRule = { kinds: ["color"] };
const margin: PropertyRule = { kinds: ["length"], keywords: ["auto"], nonNegative: true };
const length = (...keywords: string[]): PropertyRule => ({ kinds: ["length"], keywords });
const keywords = (...words: string[]): PropertyRule => ({ kinds: [], keywords: words });
const border: PropertyRule = { kinds: ["length", "color"], keywords: [...BORDER_STYLES, ...BORDER_WIDTHS] };
const borderStyle = keywords(...BORDER_STYLES);
const borderWidth = length(...BORDER_WIDTHS);
const sides = (prefix: string, suffix: string, rule: PropertyRule) =>
  Object.fromEntries(["top", "right", "bottom", "left"].map((side) => [`${prefix}-${side}${suffix}`, rule]));
const alignment = keywords(...ALIGNMENT);
const gridLine: PropertyRule = { kinds: ["integer"], keywords: ["auto", "span"] };
const gridTemplate: PropertyRule = { kinds: ["length", "gridTrack"], keywords: ["none", "auto", "min-content", "max-content"] };

/** Allowed properties (a Map, so names like `constructor` are not found on a prototype). */
export const CSS_PROPERTIES: ReadonlyMap<string, PropertyRule> = new Map(Object.entries({
  // Colors and backgrounds
  color,
  opacity: { kinds: ["number"] },
  "background-color": color,
  "background-image": { kinds: ["url", "gradient"], keywords: ["none"] },
  background: { kinds: ["color", "gradient"], keywords: ["none"] },
  "background-repeat": keywords("repeat", "repeat-x", "repeat-y", "no-repeat", "space", "round"),
  "background-position": length(...POSITIONS),
  "background-size": length("auto", "cover", "contain"),
  "background-clip": keywords("border-box", "padding-box", "content-box", "text"),
  "background-origin": keywords("border-box", "padding-box", "content-box"),
  // Fonts and text
  "font-family": { kinds: ["fontFamily"] },
  "font-size": length("xx-small", "x-small", "small", "medium", "large", "x-large", "xx-large", "xxx-large", "smaller", "larger"),
  "font-weight": { kinds: ["number"], keywords: ["normal", "bold", "bolder", "lighter"] },
  "font-style": keywords("normal", "italic", "oblique"),
  "font-variant": keywords("normal", "small-caps"),
  "line-height": { kinds: ["number", "length"], keywords: ["normal"] },
  "letter-spacing": length("normal"),
  "word-spacing": length("normal"),
  "text-align": keywords("left", "right", "center", "justify", "start", "end"),
  "text-decoration": { kinds: ["color", "length"], keywords: [...TEXT_DECORATION_LINES, ...TEXT_DECORATION_STYLES] },
  "text-decoration-line": keywords(...TEXT_DECORATION_LINES),
  "text-decoration-style": keywords(...TEXT_DECORATION_STYLES),
  "text-decoration-color": color,
  "text-decoration-thickness": length("auto", "from-font"),
  "text-underline-offset": length("auto"),
  "text-transform": keywords("none", "capitalize", "uppercase", "lowercase"),
  "text-indent": length(),
  "text-shadow": { kinds: ["length", "color"], keywords: ["none"] },
  "text-overflow": keywords("clip", "ellipsis"),
  "white-space": keywords("normal", "nowrap", "pre", "pre-wrap", "pre-line", "break-spaces"),
  "word-break": keywords("normal", "break-all", "keep-all", "break-word"),
  "overflow-wrap": keywords("normal", "break-word", "anywhere"),
  hyphens: keywords("none", "manual", "auto"),
  "vertical-align": length("baseline", "sub", "super", "text-top", "text-bottom", "middle", "top", "bottom"),
  // Spacing
  margin: margin,
  ...sides("margin", "", margin),
  padding: length(),
  ...sides("padding", "", length()),
  // Borders and outlines
  border,
  ...sides("border", "", border),
  "border-color": color,
  ...sides("border", "-color", color),
  "border-style": borderStyle,
  ...sides("border", "-style", borderStyle),
  "border-width": borderWidth,
  ...sides("border", "-width", borderWidth),
  "border-radius": length(),
  "border-top-left-radius": length(),
  "border-top-right-radius": length(),
  "border-bottom-left-radius": length(),
  "border-bottom-right-radius": length(),
  "border-collapse": keywords("collapse", "separate"),
  "border-spacing": length(),
  outline: { kinds: ["length", "color"], keywords: [...BORDER_STYLES, ...BORDER_WIDTHS, "auto"] },
  "outline-color": color,
  "outline-style": keywords(...BORDER_STYLES, "auto"),
  "outline-width": borderWidth,
  "outline-offset": length(),
  "box-shadow": { kinds: ["length", "color"], keywords: ["none", "inset"] },
  // Layout basics
  display: keywords(
    "block", "inline", "inline-block", "flex", "inline-flex", "grid", "inline-grid", "none", "contents",
    "flow-root", "list-item", "table", "table-row", "table-cell", "table-caption", "table-header-group",
    "table-row-group", "table-footer-group", "table-column", "table-column-group",
  ),
  width: length(...SIZES),
  height: length(...SIZES),
  "min-width": length(...SIZES),
  "min-height": length(...SIZES),
  "max-width": length(...SIZES),
  "max-height": length(...SIZES),
  "box-sizing": keywords("content-box", "border-box"),
  overflow: keywords("visible", "hidden", "clip", "scroll", "auto"),
  "overflow-x": keywords("visible", "hidden", "clip", "scroll", "auto"),
  "overflow-y": keywords("visible", "hidden", "clip", "scroll", "auto"),
  float: keywords("left", "right", "none", "inline-start", "inline-end"),
  clear: keywords("left", "right", "both", "none", "inline-start", "inline-end"),
  visibility: keywords("visible", "hidden", "collapse"),
  "aspect-ratio": { kinds: ["number"], keywords: ["auto"] },
  "object-fit": keywords("fill", "contain", "cover", "none", "scale-down"),
  "object-position": length(...POSITIONS),
  "table-layout": keywords("auto", "fixed"),
  "caption-side": keywords("top", "bottom"),
  "list-style": keywords(...LIST_STYLE_TYPES, "inside", "outside"),
  "list-style-type": keywords(...LIST_STYLE_TYPES),
  "list-style-position": keywords("inside", "outside"),
  "column-count": { kinds: ["integer"], keywords: ["auto"] },
  "column-width": length("auto"),
  // Flexbox and grid
  flex: { kinds: ["number", "length"], keywords: ["auto", "none", "content"] },
  "flex-direction": keywords("row", "row-reverse", "column", "column-reverse"),
  "flex-wrap": keywords("nowrap", "wrap", "wrap-reverse"),
  "flex-flow": keywords("row", "row-reverse", "column", "column-reverse", "nowrap", "wrap", "wrap-reverse"),
  "flex-grow": { kinds: ["number"] },
  "flex-shrink": { kinds: ["number"] },
  "flex-basis": length("auto", "content", "min-content", "max-content", "fit-content"),
  order: { kinds: ["integer"] },
  "justify-content": alignment,
  "justify-items": alignment,
  "justify-self": alignment,
  "align-content": alignment,
  "align-items": alignment,
  "align-self": alignment,
  "place-content": alignment,
  "place-items": alignment,
  "place-self": alignment,
  gap: length("normal"),
  "row-gap": length("normal"),
  "column-gap": length("normal"),
  "grid-template-columns": gridTemplate,
  "grid-template-rows": gridTemplate,
  "grid-auto-columns": gridTemplate,
  "grid-auto-rows": gridTemplate,
  "grid-auto-flow": keywords("row", "column", "dense"),
  "grid-column": gridLine,
  "grid-row": gridLine,
  "grid-column-start": gridLine,
  "grid-column-end": gridLine,
  "grid-row-start": gridLine,
  "grid-row-end": gridLine,
}));
