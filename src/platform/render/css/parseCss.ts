import { parse, type CssNode } from "css-tree";
import { splitTopLevel } from "./splitTopLevel.js";

/**
 * Deepest nesting of blocks and functions accepted (`@media {…}`, a rule, `calc(min(…))` need
 * about six). css-tree's parser recurses per level and re-reads a failed block as raw text at
 * every enclosing level, so this bound keeps its stack shallow and its work linear.
 */
export const MAX_CSS_NESTING = 16;

/**
 * Parse errors css-tree may recover from in one source; the rule where the budget runs out and all
 * after it are dropped. Each error costs css-tree far more than parsing a token (it builds an error
 * with a message and a fragment of the source it was given, which is why rules are parsed one at a
 * time), and nothing a profile needs produces more than a few.
 */
export const MAX_PARSE_ERRORS = 100;

class TooManyErrors extends Error {}

/**
 * The top-level nodes of `css` parsed by css-tree (CSS Syntax Level 3, as browsers parse it) as a
 * stylesheet, or as the declarations of a `style` attribute, one top-level rule (or declaration)
 * at a time; none when it nests deeper than `MAX_CSS_NESTING`, and none from the rule in which
 * the `MAX_PARSE_ERRORS` budget runs out onwards. Whatever css-tree could not parse is a `Raw`
 * node, which the sanitizers drop. Never throws.
 */
export function parseCss(css: string, context: "stylesheet" | "declarationList"): CssNode[] {
  const budget = { errors: 0 };
  const nodes: CssNode[] = [];
  for (const piece of splitTopLevel(css, context, MAX_CSS_NESTING) ?? []) {
    const parsed = parsePiece(piece, context, budget);
    if (parsed === undefined) break;
    nodes.push(...parsed);
  }
  return nodes;
}

/** The piece's nodes, or undefined once the error budget has run out. */
function parsePiece(piece: string, context: "stylesheet" | "declarationList", budget: { errors: number }): CssNode[] | undefined {
  // css-tree formats a stack trace for every parse error it recovers from; none is ever shown.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const ast = parse(piece, {
      context,
      positions: false,
      parseValue: true,
      parseRulePrelude: true,
      parseAtrulePrelude: true,
      parseCustomProperty: false,
      onParseError: () => {
        // Thrown from here, css-tree lets it end the parse instead of recovering.
        if (++budget.errors > MAX_PARSE_ERRORS) throw new TooManyErrors();
      },
    });
    return childrenOf(ast);
  } catch (error) {
    return error instanceof TooManyErrors ? undefined : [];
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** The children of a node as an array; none for a node without children. */
export function childrenOf(node: CssNode | null | undefined): CssNode[] {
  return node === null || node === undefined || !("children" in node) || node.children === null ? [] : node.children.toArray();
}
