import { fromPlainObject, generate, ident, type CssNode, type CssNodePlain } from "css-tree";
import { safeHttpsUrl } from "../urlPolicy.js";
import { ANGLE_UNITS, GLOBAL_KEYWORDS, LENGTH_UNITS, NAMED_COLORS, type PropertyRule, type ValueKind } from "./cssProperties.js";

// Output is generated from nodes built here from these shapes, so it holds no quotes, backslashes,
// `<` or non-ASCII except inside font-name strings, which hold only letters, digits, spaces, `_`,
// `.` and `-`.
const NUMBER = /^[+-]?(?:\d{1,12}(?:\.\d{1,12})?|\.\d{1,12})(?:[eE][+-]?\d{1,3})?$/;
const INTEGER = /^[+-]?\d{1,9}$/;
const HEX_COLOR = /^(?:[0-9A-Fa-f]{3,4}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$/;
const FONT_WORD = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;
const FONT_STRING = /^[\p{L}\p{N} _.-]{1,64}$/u;
const MAX_FUNCTION_DEPTH = 4;

/** No length is longer than this many px (font-relative units at a 16px font), nor a percentage beyond this. */
export const MAX_LENGTH_PX = 4096;
export const MAX_PERCENTAGE = 400;

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

interface Context {
  depth: number;
  /** Inside calc()/min()/max()/clamp(): the outermost one is bounded as a whole. */
  inMath: boolean;
  nonNegative: boolean;
}

/**
 * The canonical text of a css-tree `Value` if every component is allowed by `rule`, otherwise
 * undefined. Lengths are bounded: a literal past the bound is clamped to it (margins also to 0
 * from below), and a math function where a length goes is wrapped in `clamp()` with the same
 * bounds. Only nodes built here from checked parts are generated; nothing is copied raw.
 */
export function serializeCssValue(value: CssNode, rule: PropertyRule): string | undefined {
  if (value.type !== "Value" || value.children.isEmpty) return undefined;
  const accepts = { kinds: new Set(rule.kinds), keywords: new Set(rule.keywords ?? []) };
  const nodes = checkList(value.children.toArray(), accepts, { depth: 0, inMath: false, nonNegative: rule.nonNegative === true });
  return nodes === undefined || nodes.length === 0 ? undefined : generate(fromPlainObject({ type: "Value", children: nodes }));
}

function checkList(values: readonly CssNode[], accepts: Accepts, context: Context): CssNodePlain[] | undefined {
  const out: CssNodePlain[] = [];
  for (const v of values) {
    if (v.type === "WhiteSpace") continue;
    if (v.type === "Operator") {
      const op = v.value.trim();
      if (op !== "," && op !== "/" && !(accepts.kinds.has("operator") && (op === "+" || op === "-" || op === "*"))) return undefined;
      out.push({ type: "Operator", value: op });
      continue;
    }
    const node = checkComponent(v, accepts, context);
    if (node === undefined) return undefined;
    out.push(node);
  }
  return out;
}

function checkComponent(v: CssNode, accepts: Accepts, context: Context): CssNodePlain | undefined {
  const kinds = accepts.kinds;
  switch (v.type) {
    case "Identifier": {
      const name = ident.decode(v.name);
      const word = name.toLowerCase();
      if (GLOBAL_KEYWORDS.has(word) || accepts.keywords.has(word)) return { type: "Identifier", name: word };
      if (kinds.has("color") && NAMED_COLORS.has(word)) return { type: "Identifier", name: word };
      if (kinds.has("fontFamily") && FONT_WORD.test(name)) return { type: "Identifier", name };
      return undefined;
    }
    case "Number": {
      if (!NUMBER.test(v.value)) return undefined;
      // Where a length also goes (line-height, flex), a plain number scales one: bounded like `em`.
      if (kinds.has("number") && kinds.has("length") && !context.inMath) {
        return bounded(Number(v.value), LENGTH_UNITS.get("em")!, MAX_LENGTH_PX, context, (value) => ({ type: "Number", value }));
      }
      if (kinds.has("number") || kinds.has("operator")) return { type: "Number", value: v.value };
      if (kinds.has("integer") && INTEGER.test(v.value)) return { type: "Number", value: v.value };
      // A bare number is a length only when it is zero.
      if ((kinds.has("length") || kinds.has("angle")) && Number(v.value) === 0) return { type: "Number", value: v.value };
      return undefined;
    }
    case "Percentage": {
      if (!NUMBER.test(v.value) || !(kinds.has("length") || kinds.has("number"))) return undefined;
      if (!kinds.has("length") || context.inMath) return { type: "Percentage", value: v.value };
      return bounded(Number(v.value), 1, MAX_PERCENTAGE, context, (value) => ({ type: "Percentage", value }));
    }
    case "Dimension": {
      const unit = ident.decode(v.unit).toLowerCase();
      if (!NUMBER.test(v.value)) return undefined;
      const px = LENGTH_UNITS.get(unit);
      if (kinds.has("length") && px !== undefined) {
        if (context.inMath) return { type: "Dimension", value: v.value, unit };
        return bounded(Number(v.value), px, MAX_LENGTH_PX, context, (value) => ({ type: "Dimension", value, unit }));
      }
      if ((kinds.has("angle") && ANGLE_UNITS.has(unit)) || (kinds.has("gridTrack") && unit === "fr")) return { type: "Dimension", value: v.value, unit };
      return undefined;
    }
    case "Hash": {
      const hex = ident.decode(v.value);
      return kinds.has("color") && HEX_COLOR.test(hex) ? { type: "Hash", value: hex.toLowerCase() } : undefined;
    }
    case "String":
      return kinds.has("fontFamily") && FONT_STRING.test(v.value) ? { type: "String", value: v.value } : undefined;
    case "Url":
      return kinds.has("url") ? cssUrl(v.value) : undefined;
    case "Function":
      if (context.depth >= MAX_FUNCTION_DEPTH) return undefined;
      return checkFunction(ident.decode(v.name).toLowerCase(), v.children.toArray(), kinds, { ...context, depth: context.depth + 1 });
    case "Parentheses": {
      // Parentheses group terms inside calc().
      if (!kinds.has("operator") || context.depth >= MAX_FUNCTION_DEPTH) return undefined;
      const inner = checkList(v.children.toArray(), accepts, { ...context, depth: context.depth + 1 });
      return inner === undefined || inner.length === 0 ? undefined : { type: "Parentheses", children: inner };
    }
    default:
      return undefined;
  }
}

function checkFunction(name: string, args: readonly CssNode[], kinds: Accepts["kinds"], context: Context): CssNodePlain | undefined {
  const call = (accepts: Accepts, inner: Context = context): CssNodePlain | undefined => {
    const children = checkList(args, accepts, inner);
    return children === undefined || children.length === 0 ? undefined : { type: "Function", name, children };
  };
  if (COLOR_FUNCTIONS.has(name) && kinds.has("color")) {
    return call({ kinds: new Set(["number", "angle"]), keywords: new Set(["none"]) });
  }
  if (MATH_FUNCTIONS.has(name) && (kinds.has("length") || kinds.has("number") || kinds.has("operator"))) {
    const math = call({ kinds: new Set(["length", "number", "operator"]), keywords: new Set() }, { ...context, inMath: true });
    return math !== undefined && kinds.has("length") && !context.inMath && hasLength(math) ? clampNode(math, context) : math;
  }
  if (GRADIENT_FUNCTIONS.has(name) && kinds.has("gradient")) {
    return call({ kinds: new Set(["color", "length", "angle"]), keywords: GRADIENT_KEYWORDS });
  }
  if (GRID_FUNCTIONS.has(name) && kinds.has("gridTrack")) {
    return call({ kinds: new Set(["integer", "length", "gridTrack"]), keywords: GRID_KEYWORDS });
  }
  if (name === "url" && kinds.has("url")) {
    const only = args.filter((a) => a.type !== "WhiteSpace");
    const arg = only[0];
    return only.length === 1 && arg?.type === "String" ? cssUrl(arg.value) : undefined;
  }
  return undefined;
}

/** A literal length or percentage, clamped to ±`max` (in px for `pxPerUnit`), and to 0 from below for margins. */
function bounded(value: number, pxPerUnit: number, max: number, context: Context, make: (value: string) => CssNodePlain): CssNodePlain {
  const low = context.nonNegative ? 0 : -max;
  const px = value * pxPerUnit;
  if (px >= low && px <= max) return make(String(value === 0 ? 0 : value));
  if (px < low && low === 0) return { type: "Number", value: "0" };
  return make(String(Math.trunc(((px < low ? low : max) / pxPerUnit) * 100) / 100));
}

/** `clamp(low, math, high)`: the browser bounds what only it can compute. */
function clampNode(math: CssNodePlain, context: Context): CssNodePlain {
  const low = context.nonNegative ? "0" : String(-MAX_LENGTH_PX);
  return {
    type: "Function",
    name: "clamp",
    children: [
      { type: "Dimension", value: low, unit: "px" },
      { type: "Operator", value: "," },
      math,
      { type: "Operator", value: "," },
      { type: "Dimension", value: String(MAX_LENGTH_PX), unit: "px" },
    ],
  };
}

function hasLength(node: CssNodePlain): boolean {
  if (node.type === "Dimension" || node.type === "Percentage") return true;
  return "children" in node && Array.isArray(node.children) && node.children.some(hasLength);
}

/** `url("https://…")`, with the characters that matter inside a CSS string percent-encoded. */
function cssUrl(raw: string): CssNodePlain | undefined {
  const href = safeHttpsUrl(raw);
  if (href === undefined || /[\s\u0000-\u001f\u007f-\u009f<>]/.test(href)) return undefined;
  const encoded = href.replace(/["'()\\]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  return { type: "Function", name: "url", children: [{ type: "String", value: encoded }] };
}
