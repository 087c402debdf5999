import { parse, toPlainObject, type CssNodePlain } from "css-tree";
import { exceedsCssNesting } from "./exceedsCssNesting.js";

/**
 * Deepest nesting of blocks and functions accepted (`@media {…}`, a rule, `calc(min(…))` need
 * about six). css-tree's parser recurses per level and re-reads a failed block as raw text at
 * every enclosing level, so this bound keeps its stack shallow and its work linear.
 */
export const MAX_CSS_NESTING = 16;

/**
 * `css` parsed by css-tree (CSS Syntax Level 3) as a stylesheet, or as the declarations of a
 * `style` attribute, into plain nodes; undefined when it nests deeper than `MAX_CSS_NESTING`.
 * Whatever css-tree could not parse is a `Raw` node, which the sanitizers drop. Never throws.
 */
export function parseCss(css: string, context: "stylesheet" | "declarationList"): CssNodePlain | undefined {
  if (exceedsCssNesting(css, MAX_CSS_NESTING)) return undefined;
  try {
    const ast = parse(css, { context, positions: false, parseValue: true, parseRulePrelude: true, parseAtrulePrelude: true, parseCustomProperty: false });
    return toPlainObject(ast);
  } catch {
    return undefined;
  }
}

/** The children of a stylesheet, block or declaration list; nothing for any other node. */
export function childrenOf(node: CssNodePlain | null | undefined): CssNodePlain[] {
  return node !== null && node !== undefined && "children" in node && Array.isArray(node.children) ? node.children : [];
}
