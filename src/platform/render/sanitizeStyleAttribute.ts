import { parseCss } from "./css/parseCss.js";
import { sanitizeDeclarations } from "./css/sanitizeDeclarations.js";

/**
 * The declarations of a `style` attribute reduced to the profile CSS allowlist (lengths bounded
 * as in the profile CSS), as `name:value;name:value`, or "" when nothing is left. Never throws.
 */
export function sanitizeStyleAttribute(style: string): string {
  return sanitizeDeclarations(parseCss(style, "declarationList")).join(";");
}
