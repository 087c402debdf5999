import { Marked, Tokenizer } from "marked";
import { describe, expect, it, vi } from "vitest";
import { boundEmailLookahead } from "../../src/platform/render/boundEmailLookahead.js";
import { boundedTokenizer } from "../../src/platform/render/boundedTokenizer.js";
import { DelimiterWindows } from "../../src/platform/render/DelimiterWindows.js";
import { renderWebHtml } from "../../src/platform/render/renderWebHtml.js";

const mediaUrl = (mxc: string) => `/media/${mxc.slice("mxc://".length)}`;

/** marked as configured for Mirage, with or without the bounds. */
function html(markdown: string, bounded: boolean): string {
  const tokenizer = bounded ? boundedTokenizer(markdown.length) : { html: () => undefined, tag: () => undefined };
  return new Marked({ async: false, gfm: true, tokenizer }).parse(markdown) as string;
}

const filler = (chars: number) => "Plain words, then more words; ".repeat(Math.ceil(chars / 30)).slice(0, chars);

/** Normal Markdown, including long paragraphs whose formatting comes late in the paragraph. */
const NORMAL_DOCUMENTS: readonly string[] = [
  "Some *emphasis*, **strong**, ***both***, _under_, __strong under__, ~~struck~~ and ~single~ text.",
  "**foo *bar* baz** and *foo **bar** baz* and **a*b*c** and *a **b** c*",
  "__a _b_ c__ and _a __b__ c_ and my_var_name stays and snake_case_words_here too",
  "*a**b* and a*b**c* and ***a** b* and *a **b*** and **a*** and foo*bar* and _foo_bar_",
  "Links [here](https://example.org/a_b_c) and <https://example.org/x*y*> and https://example.org/path_with_underscores.",
  "Mail me@example.org or first.last+tag@sub.example.co, and " + "l".repeat(64) + "@example.org and www.example.com/a_b.",
  "`code with *stars* and _under_` then *after code* and ``double `tick` code``",
  "- item *one*\n- item **two**\n  - nested _three_\n\n1. first\n2. second ~~old~~\n\n> quote *with* emphasis\n> and a [link](https://a.example)",
  "| a | *b* |\n|---|:-:|\n| `c` | **d** |\n\n# Heading *em*\n\nSetext\n---\n\n```js\nconst a_b = 1; // *not em*\n```",
  `${filler(3_000)} then *emphasis late* and **strong late** and ~~struck late~~ and _under late_ ${filler(500)}`,
  `${filler(2_500)} a [late link](https://example.org/late) and late@example.org and https://example.org/late_url ${filler(3_000)} *end*`,
  `*an emphasis spanning a long stretch ${filler(5_000)} that closes here* and then **${filler(1_000)}**`,
  Array.from({ length: 200 }, (_, i) => `Paragraph ${i} has *some* **mixed** _formatting_ and a snake_case_name.`).join("\n\n"),
];

describe("Markdown bounds", () => {
  it("render normal documents exactly as marked does without them", () => {
    for (const doc of NORMAL_DOCUMENTS) expect(html(doc, true), doc.slice(0, 60)).toBe(html(doc, false));
  });

  it("hand marked's emphasis and strikethrough closer searches at most a fixed multiple of the input, growing linearly with it", () => {
    // What marked's closer search may scan: the masked text it is handed, summed over calls.
    const emStrong = vi.spyOn(Tokenizer.prototype, "emStrong");
    const del = vi.spyOn(Tokenizer.prototype, "del");
    const handed = (unit: string, chars: number) => {
      emStrong.mockClear();
      del.mockClear();
      const text = unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);
      html(text, true);
      return [...emStrong.mock.calls, ...del.mock.calls].reduce((sum, call) => sum + call[1].length, 0);
    };
    try {
      for (const unit of ["a+_", "_a", "a_", "a*", "a**", "a__", "~~a*", "a~", "a~~", "*a _b ", " _a", "+_a+_a x_y ", "_a_ "]) {
        const small = handed(unit, 10_000);
        const large = handed(unit, 20_000);
        expect(large, unit).toBeLessThanOrEqual(40 * 20_000);
        expect(large, unit).toBeLessThanOrEqual(2.2 * small + 1_000);
      }
    } finally {
      emStrong.mockRestore();
      del.mockRestore();
    }
  });

  it("count the characters their windows hand to marked, within a budget proportional to the document", () => {
    const text = "a+_".repeat(10_000);
    const windows = new DelimiterWindows(text.length);
    new Marked({ async: false, gfm: true, tokenizer: boundedTokenizer(text.length, windows) }).parse(text);
    expect(windows.scanned).toBeGreaterThan(0);
    expect(windows.scanned).toBeLessThanOrEqual(100_000 + 32 * text.length);
  });

  it("keep GFM email autolinks to local parts of at most 64 characters (RFC 5321)", () => {
    expect(renderWebHtml(`${"a".repeat(64)}@example.org`, { mediaUrl }).html).toContain(`href="mailto:${"a".repeat(64)}@example.org"`);
    expect(renderWebHtml(`${"a".repeat(65)}@example.org`, { mediaUrl }).html).not.toContain(`mailto:${"a".repeat(65)}`);
  });

  it("bound every email lookahead of marked's rules, and fail loudly if marked's rules change shape", () => {
    const rules = new Marked({ gfm: true }).Lexer.rules.inline.gfm;
    for (const rule of [rules.text, rules.url]) {
      const bounded = boundEmailLookahead(rule);
      expect(bounded.source).not.toMatch(/\]\+\(?@/);
      expect(bounded.source).toMatch(/\]\{1,64\}\(?@/);
      expect(bounded.flags).toBe(rule.flags);
    }
    expect(() => boundEmailLookahead(/^plain/)).toThrow(/changed shape/);
  });
});
