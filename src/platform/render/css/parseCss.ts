import { fork, parse, type CssNode } from "css-tree";
import { exceedsCssNesting } from "./exceedsCssNesting.js";

/**
 * Deepest nesting of blocks and functions accepted (`@media {…}`, a rule, `calc(min(…))` need
 * about six). css-tree's parser recurses per level and re-reads a failed block as raw text at
 * every enclosing level, so this bound keeps its stack shallow and its work linear.
 */
export const MAX_CSS_NESTING = 16;

/**
 * Parse errors css-tree may recover from in one source before nothing of it is kept. Each error
 * costs css-tree time linear in the source (it cuts a fragment of it into the error) besides its
 * fixed cost, and nothing a profile needs produces more than a few.
 */
export const MAX_PARSE_ERRORS = 100;

// css-tree's parser clears token buffers as long as the longest source it has parsed on every
// call, so short sources (the `style` attributes of one document, each parsed alone) get a parser
// of their own whose buffers stay at css-tree's minimum size.
const SHORT_SOURCE = 8 * 1024;
const parseShort = fork({}).parse;

class TooManyErrors extends Error {}

/**
 * The top-level nodes of `css` parsed by css-tree (CSS Syntax Level 3, as browsers parse it) as a
 * stylesheet, or as the declarations of a `style` attribute; none when it nests deeper than
 * `MAX_CSS_NESTING` or has more than `MAX_PARSE_ERRORS` errors. Whatever css-tree could not parse
 * is a `Raw` node, which the sanitizers drop. Never throws.
 */
export function parseCss(css: string, context: "stylesheet" | "declarationList"): CssNode[] {
  if (exceedsCssNesting(css, MAX_CSS_NESTING)) return [];
  let errors = 0;
  // css-tree formats a stack trace for every parse error it recovers from; none is ever shown.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const ast = (css.length <= SHORT_SOURCE ? parseShort : parse)(css, {
      context,
      positions: false,
      parseValue: true,
      parseRulePrelude: true,
      parseAtrulePrelude: true,
      parseCustomProperty: false,
      onParseError: () => {
        // Thrown from here, css-tree lets it end the parse instead of recovering.
        if (++errors > MAX_PARSE_ERRORS) throw new TooManyErrors();
      },
    });
    return childrenOf(ast);
  } catch {
    return [];
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** The children of a node as an array; none for a node without children. */
export function childrenOf(node: CssNode | null | undefined): CssNode[] {
  return node === null || node === undefined || !("children" in node) || node.children === null ? [] : node.children.toArray();
}
