import { tokenize, tokenTypes } from "css-tree";

const CLOSER_OF = new Map<number, number>([
  [tokenTypes.Function, tokenTypes.RightParenthesis],
  [tokenTypes.LeftParenthesis, tokenTypes.RightParenthesis],
  [tokenTypes.LeftSquareBracket, tokenTypes.RightSquareBracket],
  [tokenTypes.LeftCurlyBracket, tokenTypes.RightCurlyBracket],
]);
const SKIPPED = new Set([tokenTypes.WhiteSpace, tokenTypes.Comment, tokenTypes.CDO, tokenTypes.CDC]);

/**
 * `css` cut, on css-tree's tokens, into its top-level constructs: a stylesheet into rules (a rule
 * ends where its `{}` block closes, an at-rule without a block at its `;`), a declaration list into
 * declarations (at each `;` outside blocks). Blocks pair as CSS Syntax Level 3 pairs them: a closer
 * that does not match the innermost opener is an ordinary token. Undefined when blocks and
 * functions nest deeper than `maxDepth` (unclosed ones count, as they close only at the end).
 * One linear pass.
 */
export function splitTopLevel(css: string, context: "stylesheet" | "declarationList", maxDepth: number): string[] | undefined {
  const expected: number[] = [];
  const pieces: string[] = [];
  let start = 0;
  let atRule: boolean | undefined;
  let exceeded = false;
  const cut = (end: number) => {
    pieces.push(css.slice(start, end));
    start = end;
    atRule = undefined;
  };
  tokenize(css, (type, _from, to) => {
    if (exceeded) return;
    if (expected.length === 0 && atRule === undefined && !SKIPPED.has(type)) atRule = type === tokenTypes.AtKeyword;
    const closer = CLOSER_OF.get(type);
    if (closer !== undefined) {
      expected.push(closer);
      if (expected.length > maxDepth) exceeded = true;
    } else if (type === expected[expected.length - 1]) {
      expected.pop();
      if (expected.length === 0 && type === tokenTypes.RightCurlyBracket && context === "stylesheet") cut(to);
    } else if (expected.length === 0 && type === tokenTypes.Semicolon && (context === "declarationList" || atRule === true)) {
      cut(to);
    }
  });
  if (exceeded) return undefined;
  if (start < css.length) pieces.push(css.slice(start));
  return pieces;
}
