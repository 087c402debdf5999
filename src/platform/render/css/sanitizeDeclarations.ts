import { ident, type CssNode } from "css-tree";
import { CSS_PROPERTIES } from "./cssProperties.js";
import { serializeCssValue } from "./serializeCssValue.js";

/**
 * `name:value` strings for the declarations among a block's (or a `style` attribute's) nodes
 * whose property is allowlisted and whose value passes it; everything else (nested rules,
 * at-rules, `Raw` text css-tree could not parse) is dropped. Later duplicates are kept, as in the source.
 */
export function sanitizeDeclarations(nodes: readonly CssNode[]): string[] {
  const out: string[] = [];
  for (const node of nodes) {
    if (node.type !== "Declaration" || typeof node.important !== "boolean") continue;
    const name = ident.decode(node.property).toLowerCase();
    const rule = CSS_PROPERTIES.get(name);
    if (rule === undefined) continue;
    const value = serializeCssValue(node.value, rule);
    if (value !== undefined) out.push(`${name}:${value}${node.important ? " !important" : ""}`);
  }
  return out;
}
