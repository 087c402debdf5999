/** `unit` repeated to exactly `chars` characters: hostile shapes at the full input limit. */
const full = (unit: string, chars = 100_000) => unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);

/** Markdown shaped to make parsers slow or deep (each at most the 100,000-character input limit). */
export const HOSTILE_MARKDOWN: ReadonlyArray<[string, string]> = [
  ["deep blockquote", "> ".repeat(49_999) + "x"],
  ["deep list", "- ".repeat(49_999) + "x"],
  ["deep mixed containers", "> - 1. ".repeat(14_000) + "x"],
  ["indented list staircase", Array.from({ length: 300 }, (_, i) => `${"  ".repeat(i)}- x`).join("\n")],
  ["many deep lines", `${"- ".repeat(32)}x\n`.repeat(1_500)],
  ["many 16-deep lines", full(`${"> ".repeat(8)}${"- ".repeat(8)}x\n`)],
  ["emphasis runs", "_a".repeat(50_000)],
  ["alternating a_b_c", full("a_")],
  ["alternating a*b*c", full("a*")],
  ["alternating a**b**c", full("a**")],
  ["alternating a__b__c", full("a__")],
  ["alternating a~b~c", full("a~")],
  ["alternating a~~b~~c", full("a~~")],
  ["alternating _ and *", full("a_b*")],
  ["alternating ** and __", full("a**b__")],
  ["openers _a_", full("_a_ ")],
  ["nested emphasis openers", full("*a _b ")],
  ["spaced * _", full("* _")],
  ["mixed delimiter runs", "a+_".repeat(33_000)],
  ["strike and star runs", "~~a*".repeat(25_000)],
  ["open brackets", "[".repeat(100_000)],
  ["nested brackets", full("[[")],
  ["unclosed links", "[a](b".repeat(20_000)],
  ["unclosed images", full("![a](")],
  ["backtick runs", full("a`")],
  ["double backtick runs", full("a``")],
  ["angle brackets", "<".repeat(100_000)],
  ["angle bracket runs", full("a<")],
  ["unbalanced markup", "<div><span>**x*_".repeat(5_000)],
  ["bare URLs", full("http://a.b ")],
  ["address-like runs", full("a.b@")],
  ["NUL characters", "\u0000".repeat(100_000)],
  ["wide table", `|${"a|".repeat(20_000)}\n|${"-|".repeat(20_000)}`],
  ["long table", `|a|b|\n|-|-|\n${full("|x|y|\n", 99_988)}`],
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
