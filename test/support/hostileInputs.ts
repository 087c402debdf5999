/** Markdown shaped to make parsers slow or deep (each at most the 100,000-character input limit). */
export const HOSTILE_MARKDOWN: ReadonlyArray<[string, string]> = [
  ["deep blockquote", "> ".repeat(49_999) + "x"],
  ["deep list", "- ".repeat(49_999) + "x"],
  ["deep mixed containers", "> - 1. ".repeat(14_000) + "x"],
  ["indented list staircase", Array.from({ length: 300 }, (_, i) => `${"  ".repeat(i)}- x`).join("\n")],
  ["many deep lines", `${"- ".repeat(32)}x\n`.repeat(1_500)],
  ["emphasis runs", "_a".repeat(50_000)],
  ["mixed delimiter runs", "a+_".repeat(33_000)],
  ["strike and star runs", "~~a*".repeat(25_000)],
  ["open brackets", "[".repeat(100_000)],
  ["unclosed links", "[a](b".repeat(20_000)],
  ["angle brackets", "<".repeat(100_000)],
  ["unbalanced markup", "<div><span>**x*_".repeat(5_000)],
  ["NUL characters", "\u0000".repeat(100_000)],
  ["wide table", `|${"a|".repeat(20_000)}\n|${"-|".repeat(20_000)}`],
  ["table-shaped lines", "\n-\n|".repeat(25_000)],
  ["setext-shaped lines", "-\na\n".repeat(25_000)],
  ["lazy blockquote lines", ">\na\n".repeat(24_000)],
  ["short blockquotes", " \n> 1\na".repeat(14_000)],
];

const fill = (unit: string) => unit.repeat(Math.ceil(100_000 / unit.length)).slice(0, 100_000);

/**
 * Stylesheets shaped to make the CSS parser slow or deep: deep nesting, and (css-tree's costly
 * case) parse errors in every few characters, nested up to the nesting bound.
 */
export const HOSTILE_CSS: readonly string[] = [
  "(".repeat(100_000), "a{".repeat(50_000), "a{b:".repeat(24_999) + "c", "url(".repeat(25_000), "\\".repeat(100_000), "/*".repeat(50_000),
  fill("{}"), fill("a{b;c;d;e;}"), fill(`@media ${"(".repeat(14)}${")".repeat(14)}{}`), fill(`${"a{".repeat(15)}${"}".repeat(15)}`),
  fill("a,"), `a${" b".repeat(49_990)}{color:red}`,
];
