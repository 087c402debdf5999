import { CSS_PROPERTIES } from "./cssProperties.js";
import { parseDeclarationList, type ComponentValue } from "./parseCss.js";
import { serializeCssValue } from "./serializeCssValue.js";

/**
 * `name:value` strings for the declarations in a block whose property is allowlisted and whose
 * value passes it; everything else is dropped. Later duplicates are kept, as in the source.
 */
export function sanitizeDeclarations(block: readonly ComponentValue[]): string[] {
  const out: string[] = [];
  for (const declaration of parseDeclarationList(block)) {
    const rule = CSS_PROPERTIES.get(declaration.name);
    if (rule === undefined) continue;
    const value = serializeCssValue(declaration.value, rule);
    if (value !== undefined) out.push(`${declaration.name}:${value}${declaration.important ? " !important" : ""}`);
  }
  return out;
}
