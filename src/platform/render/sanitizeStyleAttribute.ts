import { toComponentValues } from "./css/parseCss.js";
import { sanitizeDeclarations } from "./css/sanitizeDeclarations.js";
import { tokenizeCss } from "./css/tokenizeCss.js";

/**
 * The declarations of a `style` attribute reduced to the profile CSS allowlist, as
 * `name:value;name:value`, or "" when nothing is left. Never throws.
 */
export function sanitizeStyleAttribute(style: string): string {
  return sanitizeDeclarations(toComponentValues(tokenizeCss(style))).join(";");
}
