/** Markup that is already safe to place in a page: built by `html`, or sanitizer output passed through `raw`. */
export class SafeHtml {
  constructor(private readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text for element content and quoted attribute values alike. */
export function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

function interpolate(value: unknown): string {
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(interpolate).join("");
  if (value === undefined || value === null || value === false) return "";
  return escapeText(String(value));
}

/**
 * Page markup: every interpolated value is escaped unless it is `SafeHtml`; arrays are joined;
 * `undefined`, `null` and `false` print nothing (for conditional parts). Attribute values must be
 * quoted in the template.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += interpolate(values[i]) + (strings[i + 1] ?? "");
  return new SafeHtml(out);
}

/** Trusts markup as is: only for the output of Mirage's sanitizers and renderers. */
export function raw(trustedSanitizedHtml: string): SafeHtml {
  return new SafeHtml(trustedSanitizedHtml);
}
