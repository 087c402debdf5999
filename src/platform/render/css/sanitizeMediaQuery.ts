import { fromPlainObject, generate, ident, type ConditionPlain, type CssNode, type CssNodePlain } from "css-tree";
import { LENGTH_UNITS } from "./cssProperties.js";

const MEDIA_TYPES = new Set(["all", "screen", "print"]);
const MODIFIERS = new Set(["not", "only"]);
const CONNECTIVES = new Set(["and", "not", "or"]);
const MEDIA_FEATURES = new Set([
  "width", "min-width", "max-width", "height", "min-height", "max-height", "orientation",
  "aspect-ratio", "min-aspect-ratio", "max-aspect-ratio", "prefers-color-scheme",
  "prefers-reduced-motion", "prefers-contrast", "hover", "any-hover", "pointer", "any-pointer",
  "resolution", "min-resolution", "max-resolution",
]);
const MEDIA_VALUES = new Set([
  "portrait", "landscape", "light", "dark", "reduce", "no-preference", "more", "less", "none",
  "hover", "fine", "coarse",
]);
const RESOLUTION_UNITS = new Set(["dpi", "dpcm", "dppx", "x"]);
const NUMBER = /^\d{1,6}(?:\.\d{1,6})?$/;

/**
 * The canonical text of an `@media` prelude (css-tree's `MediaQueryList`) built from media types,
 * `not`/`only`, `and`/`or`/`not` and `(feature: value)` tests over an allowlist of features, or
 * undefined for anything else (range syntax, unknown features, functions).
 */
export function sanitizeMediaQuery(prelude: CssNode | null): string | undefined {
  if (prelude?.type !== "AtrulePrelude" || prelude.children.size !== 1) return undefined;
  const list = prelude.children.first!;
  if (list.type !== "MediaQueryList" || list.children.isEmpty) return undefined;
  const queries: CssNodePlain[] = [];
  for (const query of list.children.toArray()) {
    if (query.type !== "MediaQuery") return undefined;
    const modifier = query.modifier === null ? null : query.modifier.toLowerCase();
    const mediaType = query.mediaType === null ? null : ident.decode(query.mediaType).toLowerCase();
    if (modifier !== null && !MODIFIERS.has(modifier)) return undefined;
    if (mediaType !== null && !MEDIA_TYPES.has(mediaType)) return undefined;
    const condition = query.condition === null ? null : checkCondition(query.condition);
    if (condition === undefined || (mediaType === null && condition === null)) return undefined;
    queries.push({ type: "MediaQuery", modifier, mediaType, condition });
  }
  return generate(fromPlainObject({ type: "MediaQueryList", children: queries }));
}

function checkCondition(condition: CssNode): ConditionPlain | undefined {
  if (condition.type !== "Condition") return undefined;
  const children: CssNodePlain[] = [];
  for (const part of condition.children.toArray()) {
    if (part.type === "Identifier") {
      const word = ident.decode(part.name).toLowerCase();
      if (!CONNECTIVES.has(word)) return undefined;
      children.push({ type: "Identifier", name: word });
    } else if (part.type === "Condition") {
      const inner = checkCondition(part);
      if (inner === undefined) return undefined;
      children.push(inner);
    } else if (part.type === "Feature") {
      const feature = checkFeature(part.name, part.value);
      if (feature === undefined) return undefined;
      children.push(feature);
    } else {
      return undefined;
    }
  }
  return children.length === 0 ? undefined : { type: "Condition", kind: "media", children };
}

function checkFeature(rawName: string, value: CssNode | null): CssNodePlain | undefined {
  const name = ident.decode(rawName).toLowerCase();
  if (!MEDIA_FEATURES.has(name)) return undefined;
  if (value === null) return { type: "Feature", kind: "media", name, value: null };
  const checked = checkFeatureValue(value);
  return checked === undefined ? undefined : ({ type: "Feature", kind: "media", name, value: checked } as CssNodePlain);
}

function checkFeatureValue(value: CssNode): CssNodePlain | undefined {
  switch (value.type) {
    case "Identifier": {
      const word = ident.decode(value.name).toLowerCase();
      return MEDIA_VALUES.has(word) ? { type: "Identifier", name: word } : undefined;
    }
    case "Number":
      return NUMBER.test(value.value) ? { type: "Number", value: value.value } : undefined;
    case "Dimension": {
      const unit = ident.decode(value.unit).toLowerCase();
      return NUMBER.test(value.value) && (LENGTH_UNITS.has(unit) || RESOLUTION_UNITS.has(unit)) ? { type: "Dimension", value: value.value, unit } : undefined;
    }
    case "Ratio": {
      const left = value.left.type === "Number" ? checkFeatureValue(value.left) : undefined;
      const right = value.right?.type === "Number" ? checkFeatureValue(value.right) : undefined;
      return left === undefined || right === undefined ? undefined : ({ type: "Ratio", left, right } as CssNodePlain);
    }
    default:
      return undefined;
  }
}
