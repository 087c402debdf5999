import { tokenize, tokenTypes } from "css-tree";

const CLOSER_OF = new Map<number, number>([
  [tokenTypes.Function, tokenTypes.RightParenthesis],
  [tokenTypes.LeftParenthesis, tokenTypes.RightParenthesis],
  [tokenTypes.LeftSquareBracket, tokenTypes.RightSquareBracket],
  [tokenTypes.LeftCurlyBracket, tokenTypes.RightCurlyBracket],
]);

/**
 * True when blocks and functions in `css` nest deeper than `maxDepth` (unclosed ones count, as
 * they close only at the end). Blocks pair as CSS Syntax Level 3 pairs them: a closer that does
 * not match the innermost opener is an ordinary token. One linear pass over css-tree's tokenizer.
 */
export function exceedsCssNesting(css: string, maxDepth: number): boolean {
  const expected: number[] = [];
  let exceeded = false;
  tokenize(css, (type) => {
    if (exceeded) return;
    const closer = CLOSER_OF.get(type);
    if (closer !== undefined) {
      expected.push(closer);
      if (expected.length > maxDepth) exceeded = true;
    } else if (type === expected[expected.length - 1]) {
      expected.pop();
    }
  });
  return exceeded;
}
