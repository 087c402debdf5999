import { tokenizeCss, type CssToken } from "./tokenizeCss.js";

/** A token, a function with its arguments, or a bracketed block, as CSS Syntax Level 3 nests them. */
export type ComponentValue =
  | CssToken
  | { type: "func"; name: string; value: ComponentValue[] }
  | { type: "block"; open: "(" | "[" | "{"; value: ComponentValue[] };

export type CssRule =
  | { type: "qualified"; prelude: ComponentValue[]; block: ComponentValue[] }
  | { type: "at"; name: string; prelude: ComponentValue[]; block: ComponentValue[] | undefined };

export interface CssDeclaration {
  /** Lower-cased property name, escapes decoded. */
  name: string;
  /** The value without surrounding whitespace and without `!important`. */
  value: ComponentValue[];
  important: boolean;
}

const CLOSER = { "(": ")", "[": "]", "{": "}" } as const;

/** Nests tokens into component values. Iterative, so any nesting depth is fine; unclosed blocks close at the end. */
export function toComponentValues(tokens: readonly CssToken[]): ComponentValue[] {
  const root: ComponentValue[] = [];
  const open: { value: ComponentValue[]; closer: string }[] = [];
  for (const token of tokens) {
    const top = open[open.length - 1];
    const into = top ? top.value : root;
    if (top && token.type === top.closer) {
      open.pop();
    } else if (token.type === "(" || token.type === "[" || token.type === "{") {
      const block: ComponentValue = { type: "block", open: token.type, value: [] };
      into.push(block);
      open.push({ value: block.value, closer: CLOSER[token.type] });
    } else if (token.type === "function") {
      const func: ComponentValue = { type: "func", name: token.value, value: [] };
      into.push(func);
      open.push({ value: func.value, closer: ")" });
    } else {
      into.push(token);
    }
  }
  return root;
}

/** Parses a stylesheet (or an at-rule's block) into rules; CDO/CDC and stray tokens end up in preludes. */
export function parseRuleList(values: readonly ComponentValue[]): CssRule[] {
  const rules: CssRule[] = [];
  let i = 0;
  while (i < values.length) {
    const first = values[i]!;
    if (first.type === "whitespace" || first.type === "cdo" || first.type === "cdc") {
      i++;
      continue;
    }
    const prelude: ComponentValue[] = [];
    let block: ComponentValue[] | undefined;
    const atName = first.type === "at-keyword" ? first.value : undefined;
    if (atName !== undefined) i++;
    while (i < values.length) {
      const v = values[i++]!;
      if (v.type === "block" && v.open === "{") {
        block = v.value;
        break;
      }
      if (atName !== undefined && v.type === "semicolon") break;
      prelude.push(v);
    }
    if (atName !== undefined) rules.push({ type: "at", name: atName.toLowerCase(), prelude, block });
    // A qualified rule without a block is a parse error and is dropped.
    else if (block !== undefined) rules.push({ type: "qualified", prelude, block });
  }
  return rules;
}

/** Parses a stylesheet's text into rules. */
export function parseStylesheet(css: string): CssRule[] {
  return parseRuleList(toComponentValues(tokenizeCss(css)));
}

/**
 * The declarations in a block (or a `style` attribute): `name: value` pieces between semicolons.
 * Anything else in the block (nested rules, at-rules, junk) is skipped.
 */
export function parseDeclarationList(values: readonly ComponentValue[]): CssDeclaration[] {
  const declarations: CssDeclaration[] = [];
  let piece: ComponentValue[] = [];
  const flush = () => {
    const declaration = toDeclaration(piece);
    if (declaration) declarations.push(declaration);
    piece = [];
  };
  for (const v of values) {
    if (v.type === "semicolon") flush();
    else piece.push(v);
  }
  flush();
  return declarations;
}

function toDeclaration(piece: readonly ComponentValue[]): CssDeclaration | undefined {
  const parts = trimWhitespace(piece);
  const name = parts[0];
  if (name?.type !== "ident") return undefined;
  let k = 1;
  while (parts[k]?.type === "whitespace") k++;
  if (parts[k]?.type !== "colon") return undefined;
  let value = trimWhitespace(parts.slice(k + 1));
  let important = false;
  const last = value[value.length - 1];
  if (last?.type === "ident" && last.value.toLowerCase() === "important") {
    const rest = trimWhitespace(value.slice(0, -1));
    const bang = rest[rest.length - 1];
    if (bang?.type === "delim" && bang.value === "!") {
      important = true;
      value = trimWhitespace(rest.slice(0, -1));
    }
  }
  return { name: name.value.toLowerCase(), value, important };
}

/** Drops leading and trailing whitespace tokens. */
export function trimWhitespace(values: readonly ComponentValue[]): ComponentValue[] {
  let start = 0;
  let end = values.length;
  while (start < end && values[start]!.type === "whitespace") start++;
  while (end > start && values[end - 1]!.type === "whitespace") end--;
  return values.slice(start, end);
}
