import { LENGTH_UNITS } from "./cssProperties.js";
import type { ComponentValue } from "./parseCss.js";
import { trimWhitespace } from "./parseCss.js";

const MEDIA_WORDS = new Set(["all", "screen", "print", "and", "not", "only", "or"]);
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
 * The canonical text of a media query list built from media types, `and`/`not`/`only`/`or` and
 * `(feature: value)` tests over an allowlist of features, or undefined for anything else.
 */
export function sanitizeMediaQuery(prelude: readonly ComponentValue[]): string | undefined {
  const parts: string[] = [];
  for (const v of trimWhitespace(prelude)) {
    if (v.type === "whitespace") continue;
    if (v.type === "comma") parts.push(",");
    else if (v.type === "ident" && MEDIA_WORDS.has(v.value.toLowerCase())) parts.push(v.value.toLowerCase());
    else if (v.type === "block" && v.open === "(") {
      const test = featureTest(v.value);
      if (test === undefined) return undefined;
      parts.push(test);
    } else return undefined;
  }
  const text = parts.join(" ").replace(/ ,/g, ",");
  return text === "" ? undefined : text;
}

function featureTest(values: readonly ComponentValue[]): string | undefined {
  const parts = values.filter((v) => v.type !== "whitespace");
  const name = parts[0];
  if (name?.type !== "ident" || !MEDIA_FEATURES.has(name.value.toLowerCase())) return undefined;
  const feature = name.value.toLowerCase();
  if (parts.length === 1) return `(${feature})`;
  if (parts[1]?.type !== "colon" || parts.length < 3) return undefined;
  let value = "";
  for (const v of parts.slice(2)) {
    if (v.type === "ident" && MEDIA_VALUES.has(v.value.toLowerCase())) value += v.value.toLowerCase();
    else if (v.type === "number" && NUMBER.test(v.repr)) value += v.repr;
    else if (v.type === "dimension" && NUMBER.test(v.repr) && (LENGTH_UNITS.has(v.unit.toLowerCase()) || RESOLUTION_UNITS.has(v.unit.toLowerCase()))) {
      value += v.repr + v.unit.toLowerCase();
    } else if (v.type === "delim" && v.value === "/") value += "/";
    else return undefined;
  }
  return `(${feature}:${value})`;
}
