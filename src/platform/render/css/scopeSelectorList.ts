import { fromPlainObject, generate, ident, type AnPlusB, type AttributeSelector, type CssNode, type CssNodePlain, type Identifier } from "css-tree";
import { PROFILE_NAME_PREFIX, profileName, SAFE_NAME } from "../profileName.js";

const TAG_OR_ATTRIBUTE = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;
const ATTRIBUTE_STRING = /^[\p{L}\p{N} _.#?=&%-]{0,128}$/u;
const AN_PLUS_B_PART = /^[+-]?\d{1,6}$/;

const PSEUDO_CLASSES = new Set([
  "hover", "focus", "focus-within", "focus-visible", "active", "target", "link", "first-child",
  "last-child", "only-child", "first-of-type", "last-of-type", "only-of-type", "empty",
]);
const NTH_PSEUDO_CLASSES = new Set(["nth-child", "nth-last-child", "nth-of-type", "nth-last-of-type"]);
const SELECTOR_PSEUDO_CLASSES = new Set(["not", "is", "where"]);
const PSEUDO_ELEMENTS = new Set(["first-line", "first-letter", "selection", "marker"]);
// CSS2 let these be written with one colon.
const LEGACY_PSEUDO_ELEMENTS = new Set(["first-line", "first-letter"]);
const ATTRIBUTE_MATCHERS = new Set(["=", "~=", "|=", "^=", "$=", "*="]);
const COMBINATORS = new Set([" ", ">", "+", "~"]);
// More than a profile needs; each kept selector costs a copy of the scope in the output.
const MAX_SELECTORS = 64;
const MAX_COMPOUNDS = 16;
// Matchers whose value names a whole id or class (or its start), so it carries the prefix too.
const PREFIXED_MATCHERS = new Set(["=", "~=", "|=", "^="]);

/**
 * css-tree's `SelectorList` with every selector placed under `scope` (`a, .x > p` → `S a, S .mp-x>p`)
 * and every id and class renamed as profile HTML renames them (`#x` → `#mp-x`, `.y` → `.mp-y`), or
 * undefined if any selector falls outside the supported grammar (the whole rule is then dropped,
 * as browsers do). A selector may not start with a combinator, so `~ footer` cannot reach siblings
 * of the scope element; `:has()`, `:root`, `:host`, `&` and namespaces are not supported; a list
 * holds at most 64 selectors, a selector at most 16 compound selectors.
 */
export function scopeSelectorList(prelude: CssNode, scope: readonly CssNodePlain[]): string | undefined {
  const selectors = selectorList(prelude, true);
  if (selectors === undefined) return undefined;
  const scoped = selectors.map((s): CssNodePlain => ({ type: "Selector", children: [...scope, { type: "Combinator", name: " " }, ...s] }));
  return generate(fromPlainObject({ type: "SelectorList", children: scoped }));
}

/** Checked copies of each selector's parts; `top` allows combinators and selector pseudo-classes. */
function selectorList(list: CssNode, top: boolean): CssNodePlain[][] | undefined {
  if (list.type !== "SelectorList" || list.children.isEmpty || list.children.size > MAX_SELECTORS) return undefined;
  const out: CssNodePlain[][] = [];
  for (const selector of list.children.toArray()) {
    if (selector.type !== "Selector") return undefined;
    const parts = complexSelector(selector.children.toArray(), top);
    if (parts === undefined) return undefined;
    out.push(parts);
  }
  return out;
}

function complexSelector(parts: readonly CssNode[], top: boolean): CssNodePlain[] | undefined {
  const out: CssNodePlain[] = [];
  // Where the current compound selector began in `out`; a type selector may only come first.
  let compoundStart = 0;
  let afterPseudoElement = false;
  let combinators = 0;
  for (const part of parts) {
    if (afterPseudoElement) return undefined;
    if (part.type === "Combinator") {
      if (!top || !COMBINATORS.has(part.name) || out.length === compoundStart || ++combinators >= MAX_COMPOUNDS) return undefined;
      out.push({ type: "Combinator", name: part.name });
      compoundStart = out.length;
      continue;
    }
    const checked = simpleSelector(part, top, out.length === compoundStart);
    if (checked === undefined) return undefined;
    out.push(checked);
    afterPseudoElement = checked.type === "PseudoElementSelector";
  }
  return out.length === compoundStart ? undefined : out;
}

function simpleSelector(part: CssNode, top: boolean, first: boolean): CssNodePlain | undefined {
  switch (part.type) {
    case "TypeSelector": {
      const name = ident.decode(part.name);
      if (!first || !(name === "*" || TAG_OR_ATTRIBUTE.test(name))) return undefined;
      return { type: "TypeSelector", name: name.toLowerCase() };
    }
    case "IdSelector": {
      const name = profileName(ident.decode(part.name));
      return name === undefined ? undefined : { type: "IdSelector", name };
    }
    case "ClassSelector": {
      const name = profileName(ident.decode(part.name));
      return name === undefined ? undefined : { type: "ClassSelector", name };
    }
    case "AttributeSelector":
      return attributeSelector(part);
    case "PseudoElementSelector": {
      const name = ident.decode(part.name).toLowerCase();
      return part.children === null && PSEUDO_ELEMENTS.has(name) ? { type: "PseudoElementSelector", name, children: null } : undefined;
    }
    case "PseudoClassSelector":
      return pseudoClass(ident.decode(part.name).toLowerCase(), part.children === null ? null : part.children.toArray(), top);
    default:
      return undefined;
  }
}

function pseudoClass(name: string, args: readonly CssNode[] | null, top: boolean): CssNodePlain | undefined {
  if (args === null) {
    if (LEGACY_PSEUDO_ELEMENTS.has(name)) return { type: "PseudoElementSelector", name, children: null };
    return PSEUDO_CLASSES.has(name) ? { type: "PseudoClassSelector", name, children: null } : undefined;
  }
  const arg = args.length === 1 ? args[0]! : undefined;
  if (NTH_PSEUDO_CLASSES.has(name) && arg?.type === "Nth" && arg.selector === null) {
    const nth = anPlusB(arg.nth);
    return nth === undefined ? undefined : { type: "PseudoClassSelector", name, children: [{ type: "Nth", nth, selector: null }] };
  }
  // One level only: `:not(:is(…))` is not needed for styling and keeps the check simple.
  if (SELECTOR_PSEUDO_CLASSES.has(name) && top && arg !== undefined) {
    const inner = selectorList(arg, false);
    if (inner === undefined) return undefined;
    return { type: "PseudoClassSelector", name, children: [{ type: "SelectorList", children: inner.map((s) => ({ type: "Selector", children: s })) }] };
  }
  return undefined;
}

/** `[name]`, `[name=value]`, `[name^="value" i]` and the other matchers; `id`/`class` values get the prefix. */
function attributeSelector(part: AttributeSelector): CssNodePlain | undefined {
  const name = ident.decode(part.name.name);
  if (!TAG_OR_ATTRIBUTE.test(name)) return undefined;
  const attribute = name.toLowerCase();
  const selector = { type: "AttributeSelector", name: { type: "Identifier", name: attribute }, matcher: null, value: null, flags: null } as const;
  if (part.matcher === null) return part.value === null && part.flags === null ? selector : undefined;
  if (!ATTRIBUTE_MATCHERS.has(part.matcher) || part.value === null) return undefined;
  let value: string;
  if (part.value.type === "Identifier" && SAFE_NAME.test(ident.decode(part.value.name))) value = ident.decode(part.value.name);
  else if (part.value.type === "String" && ATTRIBUTE_STRING.test(part.value.value)) value = part.value.value;
  else return undefined;
  const flags = part.flags === null ? null : part.flags.toLowerCase();
  if (flags !== null && flags !== "i" && flags !== "s") return undefined;
  if ((attribute === "id" || attribute === "class") && PREFIXED_MATCHERS.has(part.matcher) && value !== "") {
    value = value.split(" ").map((word) => (word === "" || word.startsWith(PROFILE_NAME_PREFIX) ? word : PROFILE_NAME_PREFIX + word)).join(" ");
  }
  return { ...selector, matcher: part.matcher, value: { type: "String", value }, flags };
}

/** The argument of `:nth-child()` and friends, rebuilt, or undefined if it is not An+B. */
function anPlusB(nth: CssNode): AnPlusB | Identifier | undefined {
  if (nth.type === "Identifier") {
    const word = ident.decode(nth.name).toLowerCase();
    return word === "odd" || word === "even" ? { type: "Identifier", name: word } : undefined;
  }
  if (nth.type !== "AnPlusB") return undefined;
  if ((nth.a !== null && !AN_PLUS_B_PART.test(nth.a)) || (nth.b !== null && !AN_PLUS_B_PART.test(nth.b))) return undefined;
  return { type: "AnPlusB", a: nth.a, b: nth.b };
}
