import type { ComponentValue } from "./parseCss.js";
import { trimWhitespace } from "./parseCss.js";

/** Class and id names, in CSS selectors and in profile HTML alike. */
export const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const TAG_OR_ATTRIBUTE = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;
const ATTRIBUTE_STRING = /^[\p{L}\p{N} _.#?=&%-]{0,128}$/u;
const AN_PLUS_B = /^(?:odd|even|[+-]?\d{0,6}n(?:[+-]\d{1,6})?|[+-]?\d{1,6})$/;

const PSEUDO_CLASSES = new Set([
  "hover", "focus", "focus-within", "focus-visible", "active", "target", "link", "first-child",
  "last-child", "only-child", "first-of-type", "last-of-type", "only-of-type", "empty",
]);
const NTH_PSEUDO_CLASSES = new Set(["nth-child", "nth-last-child", "nth-of-type", "nth-last-of-type"]);
const SELECTOR_PSEUDO_CLASSES = new Set(["not", "is", "where"]);
const PSEUDO_ELEMENTS = new Set(["first-line", "first-letter", "selection", "marker"]);
// CSS2 let these four be written with one colon.
const LEGACY_PSEUDO_ELEMENTS = new Set(["first-line", "first-letter"]);
const ATTRIBUTE_MATCHERS = new Set(["~", "|", "^", "$", "*"]);

/**
 * The selector list with every selector placed under `scope` (`a, .x > p` → `S a, S .x > p`), or
 * undefined if any selector falls outside the supported grammar (the whole rule is then dropped,
 * as browsers do). A selector may not start with a combinator, so `~ footer` cannot reach siblings
 * of the scope element; `:has()`, `:root`, `:host`, `&` and namespaces are not supported.
 */
export function scopeSelectorList(prelude: readonly ComponentValue[], scope: string): string | undefined {
  const selectors = selectorList(prelude, true);
  return selectors?.map((s) => `${scope} ${s}`).join(",");
}

function selectorList(values: readonly ComponentValue[], combinators: boolean): string[] | undefined {
  const out: string[] = [];
  let piece: ComponentValue[] = [];
  for (const v of [...values, { type: "comma" } as const]) {
    if (v.type !== "comma") {
      piece.push(v);
      continue;
    }
    const complex = complexSelector(trimWhitespace(piece), combinators);
    if (complex === undefined) return undefined;
    out.push(complex);
    piece = [];
  }
  return out;
}

function complexSelector(parts: readonly ComponentValue[], combinators: boolean): string | undefined {
  let out = "";
  let i = 0;
  for (;;) {
    const compound = compoundSelector(parts, i, !combinators);
    if (compound === undefined) return undefined;
    out += compound.text;
    i = compound.next;
    let spaced = false;
    while (parts[i]?.type === "whitespace") {
      i++;
      spaced = true;
    }
    const next = parts[i];
    if (next === undefined) return out;
    if (!combinators) return undefined;
    if (next.type === "delim" && (next.value === ">" || next.value === "+" || next.value === "~")) {
      out += ` ${next.value} `;
      i++;
      while (parts[i]?.type === "whitespace") i++;
    } else if (spaced) {
      out += " ";
    } else {
      return undefined;
    }
  }
}

function compoundSelector(parts: readonly ComponentValue[], start: number, nested: boolean): { text: string; next: number } | undefined {
  let i = start;
  let text = "";
  const first = parts[i];
  if (first?.type === "ident" && TAG_OR_ATTRIBUTE.test(first.value)) {
    text += first.value.toLowerCase();
    i++;
  } else if (first?.type === "delim" && first.value === "*") {
    text += "*";
    i++;
  }
  for (;;) {
    const v = parts[i];
    const after = parts[i + 1];
    if (v?.type === "hash" && v.id && SAFE_NAME.test(v.value)) {
      text += `#${v.value}`;
      i++;
    } else if (v?.type === "delim" && v.value === "." && after?.type === "ident" && SAFE_NAME.test(after.value)) {
      text += `.${after.value}`;
      i += 2;
    } else if (v?.type === "block" && v.open === "[") {
      const attribute = attributeSelector(v.value);
      if (attribute === undefined) return undefined;
      text += attribute;
      i++;
    } else if (v?.type === "colon") {
      const pseudo = pseudoSelector(parts, i + 1, nested);
      if (pseudo === undefined) return undefined;
      text += pseudo.text;
      i = pseudo.next;
      // Nothing may follow a pseudo-element within its compound.
      if (pseudo.element) break;
    } else {
      break;
    }
  }
  return text === "" ? undefined : { text, next: i };
}

function pseudoSelector(
  parts: readonly ComponentValue[],
  start: number,
  nested: boolean,
): { text: string; next: number; element: boolean } | undefined {
  const v = parts[start];
  if (v?.type === "colon") {
    const name = parts[start + 1];
    if (name?.type !== "ident" || !PSEUDO_ELEMENTS.has(name.value.toLowerCase())) return undefined;
    return { text: `::${name.value.toLowerCase()}`, next: start + 2, element: true };
  }
  if (v?.type === "ident") {
    const name = v.value.toLowerCase();
    if (LEGACY_PSEUDO_ELEMENTS.has(name)) return { text: `::${name}`, next: start + 1, element: true };
    return PSEUDO_CLASSES.has(name) ? { text: `:${name}`, next: start + 1, element: false } : undefined;
  }
  if (v?.type === "func") {
    const name = v.name.toLowerCase();
    if (NTH_PSEUDO_CLASSES.has(name)) {
      const formula = anPlusB(v.value);
      return formula === undefined ? undefined : { text: `:${name}(${formula})`, next: start + 1, element: false };
    }
    // One level only: `:not(:is(…))` is not needed for styling and keeps the check simple.
    if (SELECTOR_PSEUDO_CLASSES.has(name) && !nested) {
      const inner = selectorList(v.value, false);
      return inner === undefined ? undefined : { text: `:${name}(${inner.join(",")})`, next: start + 1, element: false };
    }
  }
  return undefined;
}

/** `[name]`, `[name=value]`, `[name^="value" i]` and the other matchers. */
function attributeSelector(values: readonly ComponentValue[]): string | undefined {
  const parts = values.filter((v) => v.type !== "whitespace");
  const name = parts[0];
  if (name?.type !== "ident" || !TAG_OR_ATTRIBUTE.test(name.value)) return undefined;
  const attribute = name.value.toLowerCase();
  if (parts.length === 1) return `[${attribute}]`;
  let i = 1;
  let matcher = "";
  const m = parts[i];
  if (m?.type === "delim" && ATTRIBUTE_MATCHERS.has(m.value)) {
    matcher = m.value;
    i++;
  }
  const eq = parts[i];
  if (eq?.type !== "delim" || eq.value !== "=") return undefined;
  i++;
  const value = parts[i];
  let text: string;
  if (value?.type === "ident" && SAFE_NAME.test(value.value)) text = value.value;
  else if (value?.type === "string" && ATTRIBUTE_STRING.test(value.value)) text = value.value;
  else return undefined;
  i++;
  let flag = "";
  const modifier = parts[i];
  if (modifier?.type === "ident" && (modifier.value.toLowerCase() === "i" || modifier.value.toLowerCase() === "s")) {
    flag = ` ${modifier.value.toLowerCase()}`;
    i++;
  }
  return i === parts.length ? `[${attribute}${matcher}="${text}"${flag}]` : undefined;
}

/** The argument of `:nth-child()` and friends, normalized, or undefined if it is not An+B. */
function anPlusB(values: readonly ComponentValue[]): string | undefined {
  let text = "";
  for (const v of values) {
    if (v.type === "whitespace") continue;
    if (v.type === "ident" || v.type === "delim") text += v.value;
    else if (v.type === "number") text += v.repr;
    else if (v.type === "dimension") text += v.repr + v.unit;
    else return undefined;
  }
  text = text.toLowerCase();
  return AN_PLUS_B.test(text) ? text : undefined;
}
