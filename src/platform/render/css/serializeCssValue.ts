import { safeHttpsUrl } from "../urlPolicy.js";
import { ANGLE_UNITS, GLOBAL_KEYWORDS, LENGTH_UNITS, NAMED_COLORS, type PropertyRule, type ValueKind } from "./cssProperties.js";
import type { ComponentValue } from "./parseCss.js";

// Output is built only from these shapes, so it holds no quotes, backslashes, `<` or non-ASCII
// except inside font-name strings, which hold only letters, digits, spaces, `_`, `.` and `-`.
const NUMBER = /^[+-]?(?:\d{1,12}(?:\.\d{1,12})?|\.\d{1,12})(?:[eE][+-]?\d{1,3})?$/;
const INTEGER = /^[+-]?\d{1,9}$/;
const HEX_COLOR = /^(?:[0-9A-Fa-f]{3,4}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$/;
const FONT_WORD = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;
const FONT_STRING = /^[\p{L}\p{N} _.-]{1,64}$/u;
const MAX_FUNCTION_DEPTH = 4;

const COLOR_FUNCTIONS = new Set(["rgb", "rgba", "hsl", "hsla"]);
const MATH_FUNCTIONS = new Set(["calc", "min", "max", "clamp"]);
const GRADIENT_FUNCTIONS = new Set(["linear-gradient", "radial-gradient", "repeating-linear-gradient", "repeating-radial-gradient"]);
const GRID_FUNCTIONS = new Set(["repeat", "minmax", "fit-content"]);
const GRADIENT_KEYWORDS = new Set([
  "to", "at", "top", "bottom", "left", "right", "center", "circle", "ellipse",
  "closest-side", "closest-corner", "farthest-side", "farthest-corner",
]);
const GRID_KEYWORDS = new Set(["auto", "min-content", "max-content", "auto-fill", "auto-fit"]);

/** What one component may be, in a property value or inside a function's arguments. */
interface Accepts {
  kinds: ReadonlySet<ValueKind | "angle" | "operator">;
  keywords: ReadonlySet<string>;
}

/**
 * The canonical text of a property value if every component is allowed by `rule`, otherwise
 * undefined. Only allowlisted tokens are re-serialized; nothing from the input is copied raw.
 */
export function serializeCssValue(value: readonly ComponentValue[], rule: PropertyRule): string | undefined {
  if (value.length === 0) return undefined;
  return serializeList(value, { kinds: new Set(rule.kinds), keywords: new Set(rule.keywords ?? []) }, 0);
}

function serializeList(values: readonly ComponentValue[], accepts: Accepts, depth: number): string | undefined {
  let out = "";
  // Two words with nothing between them in the source (`ex/**/pression`) must not merge into one.
  let lastWasWord = false;
  for (const v of values) {
    if (v.type === "whitespace") {
      if (out !== "" && !out.endsWith(" ") && !out.endsWith(",")) out += " ";
      lastWasWord = false;
      continue;
    }
    if (v.type === "comma") {
      out = out.trimEnd() + ",";
      lastWasWord = false;
      continue;
    }
    if (v.type === "delim" && (v.value === "/" || (accepts.kinds.has("operator") && ["+", "-", "*"].includes(v.value)))) {
      out += v.value;
      lastWasWord = false;
      continue;
    }
    const text = serializeComponent(v, accepts, depth);
    if (text === undefined) return undefined;
    out += (lastWasWord ? " " : "") + text;
    lastWasWord = true;
  }
  out = out.trim();
  return out === "" ? undefined : out;
}

function serializeComponent(v: ComponentValue, accepts: Accepts, depth: number): string | undefined {
  const kinds = accepts.kinds;
  switch (v.type) {
    case "ident": {
      const word = v.value.toLowerCase();
      if (GLOBAL_KEYWORDS.has(word) || accepts.keywords.has(word)) return word;
      if (kinds.has("color") && NAMED_COLORS.has(word)) return word;
      if (kinds.has("fontFamily") && FONT_WORD.test(v.value)) return v.value;
      return undefined;
    }
    case "number": {
      if (!NUMBER.test(v.repr)) return undefined;
      if (kinds.has("number") || kinds.has("operator")) return v.repr;
      if (kinds.has("integer") && INTEGER.test(v.repr)) return v.repr;
      // A bare number is a length only when it is zero.
      if ((kinds.has("length") || kinds.has("angle")) && Number(v.repr) === 0) return v.repr;
      return undefined;
    }
    case "percentage":
      return NUMBER.test(v.repr) && (kinds.has("length") || kinds.has("number")) ? `${v.repr}%` : undefined;
    case "dimension": {
      const unit = v.unit.toLowerCase();
      if (!NUMBER.test(v.repr)) return undefined;
      if (kinds.has("length") && LENGTH_UNITS.has(unit)) return v.repr + unit;
      if (kinds.has("angle") && ANGLE_UNITS.has(unit)) return v.repr + unit;
      if (kinds.has("gridTrack") && unit === "fr") return v.repr + unit;
      return undefined;
    }
    case "hash":
      return kinds.has("color") && HEX_COLOR.test(v.value) ? `#${v.value.toLowerCase()}` : undefined;
    case "string":
      return kinds.has("fontFamily") && FONT_STRING.test(v.value) ? `"${v.value}"` : undefined;
    case "url":
      return kinds.has("url") ? cssUrl(v.value) : undefined;
    case "func":
      return depth < MAX_FUNCTION_DEPTH ? serializeFunction(v.name.toLowerCase(), v.value, kinds, depth + 1) : undefined;
    case "block":
      // Parentheses group terms inside calc().
      if (v.open !== "(" || !kinds.has("operator") || depth >= MAX_FUNCTION_DEPTH) return undefined;
      return wrap("", serializeList(v.value, accepts, depth + 1));
    default:
      return undefined;
  }
}

function serializeFunction(name: string, args: readonly ComponentValue[], kinds: Accepts["kinds"], depth: number): string | undefined {
  const none = new Set<string>();
  if (COLOR_FUNCTIONS.has(name) && kinds.has("color")) {
    return wrap(name, serializeList(args, { kinds: new Set(["number", "angle"]), keywords: new Set(["none"]) }, depth));
  }
  if (MATH_FUNCTIONS.has(name) && (kinds.has("length") || kinds.has("number") || kinds.has("operator"))) {
    return wrap(name, serializeList(args, { kinds: new Set(["length", "number", "operator"]), keywords: none }, depth));
  }
  if (GRADIENT_FUNCTIONS.has(name) && kinds.has("gradient")) {
    return wrap(name, serializeList(args, { kinds: new Set(["color", "length", "angle"]), keywords: GRADIENT_KEYWORDS }, depth));
  }
  if (GRID_FUNCTIONS.has(name) && kinds.has("gridTrack")) {
    return wrap(name, serializeList(args, { kinds: new Set(["integer", "length", "gridTrack"]), keywords: GRID_KEYWORDS }, depth));
  }
  if (name === "url" && kinds.has("url")) {
    const only = args.filter((a) => a.type !== "whitespace");
    const arg = only[0];
    return only.length === 1 && arg?.type === "string" ? cssUrl(arg.value) : undefined;
  }
  return undefined;
}

function wrap(name: string, inner: string | undefined): string | undefined {
  return inner === undefined ? undefined : `${name}(${inner})`;
}

/** `url("https://…")`, with the characters that matter inside a CSS string percent-encoded. */
function cssUrl(raw: string): string | undefined {
  const href = safeHttpsUrl(raw);
  if (href === undefined || /[\s\u0000-\u001f\u007f-\u009f<>]/.test(href)) return undefined;
  const encoded = href.replace(/["'()\\]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  return `url("${encoded}")`;
}
