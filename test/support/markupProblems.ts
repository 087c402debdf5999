const DANGEROUS_TAGS = /^(script|iframe|object|embed|svg|math|style|link|meta|base|form|input|button|textarea|template|noscript|frame|frameset)$/;

function decode(text: string): string {
  return text
    .replace(/&#[xX]([0-9a-fA-F]+);?/g, (_, h: string) => String.fromCodePoint(parseInt(h, 16) || 0xfffd))
    .replace(/&#(\d+);?/g, (_, d: string) => String.fromCodePoint(Number(d) || 0xfffd))
    .replace(/&(colon|tab|newline|quot|apos|lt|gt|amp);?/gi, (_, n: string) => ({ colon: ":", tab: "\t", newline: "\n", quot: '"', apos: "'", lt: "<", gt: ">", amp: "&" })[n.toLowerCase()]!);
}

/**
 * Script-capable markup in HTML that reaches a browser: dangerous elements, event-handler
 * attributes, and script/data URLs in any attribute (after decoding character references).
 * Escaped text is inert and not a finding.
 */
export function markupProblems(html: string): string[] {
  const problems: string[] = [];
  for (const tag of html.match(/<[^>]*>/g) ?? []) {
    const name = /^<\/?\s*([a-zA-Z][a-zA-Z0-9-]*)/.exec(tag)?.[1]?.toLowerCase();
    if (name && DANGEROUS_TAGS.test(name)) problems.push(`element <${name}>`);
    for (const match of tag.matchAll(/\s([^\s=/>]+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s>]*))?/g)) {
      const attr = match[1]!.toLowerCase();
      const value = decode((match[2] ?? "").replace(/^["']|["']$/g, "")).replace(/[\s\u0000-\u001f]/g, "").toLowerCase();
      if (attr.startsWith("on")) problems.push(`handler ${attr}`);
      if (/^(javascript|vbscript|data:text|data:application|livescript):?/.test(value) || value.includes("javascript:")) problems.push(`url in ${attr}`);
      if (attr === "style" && /expression\(|url\(|behavior|binding/.test(value)) problems.push("style script");
    }
  }
  return problems;
}

/** CSS that could run script or escape its <style> element. */
export function cssProblems(css: string): string[] {
  const lower = decode(css).toLowerCase().replace(/\\/g, "");
  return ["</style", "<script", "expression(", "javascript:", "vbscript:", "-moz-binding", "behavior:", "@import", "data:text"]
    .filter((needle) => lower.includes(needle));
}
