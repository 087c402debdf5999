import { Marked, type Token } from "marked";
import { Parser } from "htmlparser2";
import { describe, expect, it } from "vitest";
import { findMentions } from "../../src/bridge/convert/findMentions.js";
import { matrixToMessage, type ImportContext } from "../../src/bridge/convert/matrixToMessage.js";
import { pillifyMentions } from "../../src/bridge/convert/pillifyMentions.js";
import { people } from "../../src/platform/people/people.js";
import { renderWebHtml } from "../../src/platform/render/renderWebHtml.js";
import { HOSTILE_MARKDOWN } from "../support/hostileInputs.js";
import { prng } from "../support/prng.js";

const mediaUrl = (mxc: string) => `/media/${mxc.slice("mxc://".length)}`;
const context: ImportContext = { mediaUrl, ghosts: people.ghostAccounts("mirage_", "example.org"), maxBodyChars: Infinity };
const html = (formatted_body: string) => ({ msgtype: "m.text", body: "fallback", format: "org.matrix.custom.html", formatted_body });

function markdownOf(content: Record<string, unknown>): string {
  const result = matrixToMessage(content, context);
  if (!("body" in result)) throw new Error(`unsupported: ${result.unsupported}`);
  return result.body;
}

/** Every `<` is backslash-escaped or opens an autolink: no raw HTML for any Markdown renderer. */
function unescapedAngle(markdown: string): string | undefined {
  for (let i = markdown.indexOf("<"); i !== -1; i = markdown.indexOf("<", i + 1)) {
    let backslashes = 0;
    while (markdown[i - 1 - backslashes] === "\\") backslashes++;
    if (backslashes % 2 === 1 || /^<(?:https?|mailto):[^\s<>]*>/.test(markdown.slice(i, i + 9000))) continue;
    return markdown.slice(Math.max(0, i - 20), i + 20);
  }
  return undefined;
}

/** Raw HTML stock marked (HTML recognition on, no sanitizer) would find in the Markdown. */
function htmlTokens(markdown: string): string[] {
  const found: string[] = [];
  const stack: Token[] = new Marked({ gfm: true }).lexer(markdown);
  while (stack.length > 0) {
    const token = stack.pop()!;
    if (token.type === "html") found.push(token.raw);
    if (token.type === "list") stack.push(...token.items);
    if (token.type === "table") for (const cell of [...token.header, ...token.rows.flat()]) stack.push(...cell.tokens);
    if ("tokens" in token && Array.isArray(token.tokens)) stack.push(...token.tokens);
  }
  return found;
}

const BLOCK_TAGS = new Set(["p", "div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table", "hr"]);

/** The text a browser shows for `html` (`<br>` as a newline), whitespace runs collapsed. */
function visibleText(fragment: string): string {
  let text = "";
  const gap = (name: string) => (text += name === "br" ? "\n" : BLOCK_TAGS.has(name) ? " " : "");
  new Parser({ ontext: (t) => (text += t), onopentag: gap, onclosetag: gap }, { decodeEntities: true }).end(fragment);
  return normalize(text);
}

/** What in `html` would run script or leave the page: script-like elements, handlers, script/data URLs. */
function activeContent(fragment: string): string[] {
  const found: string[] = [];
  new Parser(
    {
      onopentag(name, attribs) {
        if (["script", "svg", "iframe", "object", "embed", "math", "style", "form"].includes(name)) found.push(name);
        for (const [key, value] of Object.entries(attribs)) {
          if (key.startsWith("on") || ((key === "href" || key === "src") && /^\s*(?:javascript|data|vbscript):/i.test(value))) found.push(`${name} ${key}=${value}`);
        }
      },
    },
    { decodeEntities: true },
  ).end(fragment);
  return found;
}
const normalize = (text: string) => text.replace(/[\s\u00a0]+/g, " ").trim();

describe("matrixToMessage on hostile input", () => {
  it("converts 10,000-deep and 64 KiB nesting without deep recursion, flattening what is too deep", () => {
    const deep: [string, string][] = [
      ["<b>", "**x**"],
      ["<i><b>", "_**x**_"],
      ["<span>", "x"],
      ["<div>", "x"],
      ["<ul>", `${"- ".repeat(8)}x`],
      ["<li>", "x"],
      ["<ol><li>", `${"1. ".repeat(8)}x`],
      ["<blockquote>", `${"> ".repeat(8)}x`],
      ["<mx-reply>", "fallback"],
      ["<pre><code>", "```\nx\n```"],
    ];
    for (const [open, expected] of deep) {
      const depth = Math.min(10_000, Math.floor(64 * 1024 / open.length));
      expect(markdownOf(html(`${open.repeat(depth)}x`)).replace(/\n +/g, "\n"), open).toBe(expected.replace(/\n +/g, "\n"));
    }
    // HTML does not nest links: each opens after the last.
    const links = markdownOf(html(`${'<a href="https://example.org">'.repeat(2_000)}x`));
    expect(links.endsWith("[https://example.org/](https://example.org/)[x](https://example.org/)")).toBe(true);
    expect(links.split("](https://example.org/)").length - 1).toBe(2_000);
    // Quotes and lists together stay within what the platform's Markdown renderer nests.
    const mixed = markdownOf(html(`${"<blockquote><ul><li>".repeat(3_000)}x`));
    expect(mixed.split("\n").every((line) => (line.match(/>|- /g) ?? []).length <= 8)).toBe(true);
  });

  it("converts 64 KiB of hostile shapes, HTML and plain, to Markdown with no raw HTML", () => {
    const unit64k = (unit: string) => unit.repeat(Math.ceil(65_536 / unit.length)).slice(0, 65_536);
    const shapes = [
      unit64k("<b><i>"), unit64k("</b></i>"), unit64k("<p>"), unit64k("<br>"), unit64k("&lt;"), unit64k("&amp;lt;"), unit64k("@a "),
      unit64k("<a href=\"https://matrix.to/#/@mirage_alice:example.org\">A</a>"), unit64k("<img src=\"mxc://example.org/a\" alt=\"<script>\">"),
      unit64k("<code>`</code>"), unit64k("<pre>```</pre>"), unit64k("<script>"), unit64k("<!--"), unit64k("<![CDATA["), unit64k("<a href='javascript:x'>"),
      unit64k("_a"), unit64k("*"), unit64k("\\"), unit64k("https://x.org/_a_ "),
    ];
    for (const shape of shapes) {
      for (const content of [html(shape), { msgtype: "m.text", body: shape }]) {
        const result = matrixToMessage(content, context);
        if ("unsupported" in result) {
          expect(result.unsupported).toBe("empty message");
          continue;
        }
        expect(unescapedAngle(result.body), shape.slice(0, 30)).toBeUndefined();
        expect(result.body.length, shape.slice(0, 30)).toBeLessThan(6 * 65_536);
      }
    }
  });

  it("escapes the hostile Markdown corpus as plain bodies, and finds mentions in it without trouble", () => {
    for (const [name, source] of HOSTILE_MARKDOWN) {
      const body = markdownOf({ msgtype: "m.text", body: source.replace(/\0/g, "x") });
      expect(unescapedAngle(body), name).toBeUndefined();
      expect(Array.isArray(findMentions(source)), name).toBe(true);
      expect(Array.isArray(findMentions(body.slice(0, 100_000))), name).toBe(true);
    }
  });

  it("pillifies deep and huge HTML without trouble", () => {
    const pills = new Map([["alice", "@mirage_alice:example.org"]]);
    expect(pillifyMentions(`${"<b>".repeat(20_000)}@alice`, pills)).toBe(`${"<b>".repeat(20_000)}<a href="https://matrix.to/#/@mirage_alice:example.org">@alice</a>`);
    const many = "@alice ".repeat(10_000);
    expect(pillifyMentions(many, pills).split("matrix.to").length - 1).toBe(10_000);
  });
});

describe("matrixToMessage properties", () => {
  const TAGS = ["p", "b", "strong", "i", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "h1", "h3", "span", "font", "div", "table", "tr", "td",
    "script", "style", "svg", "iframe", "img", "a", "mx-reply", "math", "textarea", "object", "x-custom", "br", "hr"];
  const ATTRIBUTES = ['onerror="alert(1)"', 'onclick=alert(1)', 'href="javascript:alert(1)"', 'href="https://example.org/a(b)"', 'href="https://matrix.to/#/@bob:example.org"',
    'src="mxc://example.org/abc"', 'src="javascript:alert(1)"', 'style="x:expression(1)"', 'class="language-js"', 'alt="<script>alert(1)</script>"', 'href="data:text/html,<script>"'];
  const TEXTS = ["<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;", "<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;", "*", "_", "`",
    "[a](javascript:alert(1))", "![x](javascript:alert(1))", "<https://example.org>", "&amp;", "&#60;svg onload=alert(1)&#62;", "\\", "]", "@alice", "1.", "#", "- ", "> ", "|", "~~", "\n", "word", " "];

  function randomHtml(seed: number): string {
    const random = prng(seed);
    let out = "";
    const open: string[] = [];
    for (let i = 0; i < 40; i++) {
      const roll = random.int(4);
      if (roll === 0) {
        const tag = random.pick(TAGS);
        out += `<${tag}${random.int(2) === 0 ? ` ${random.pick(ATTRIBUTES)}` : ""}>`;
        open.push(tag);
      } else if (roll === 1 && open.length > 0) out += `</${open.pop()}>`;
      else out += random.pick(TEXTS);
    }
    return out;
  }

  it("never puts raw HTML, script or event handlers in its Markdown, whatever the HTML or body", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const input = randomHtml(seed);
      // As HTML, and as a plain body that happens to look like HTML.
      for (const content of [html(input), { msgtype: "m.text", body: input }]) {
        const result = matrixToMessage(content, context);
        if ("unsupported" in result) continue;
        const markdown = result.body;
        expect(htmlTokens(markdown), `seed ${seed}: ${input}`).toEqual([]);
        expect(activeContent(new Marked({ gfm: true }).parse(markdown) as string), `seed ${seed}`).toEqual([]);
        expect(activeContent(renderWebHtml(markdown, { mediaUrl }).html), `seed ${seed}`).toEqual([]);
      }
    }
  });

  it("keeps plain text exactly: what the platform shows is what was written", () => {
    const alphabet = ["a", "b", " ", "\n", "\n\n", "    ", "\t", "*", "_", "`", "~", "[", "]", "(", ")", "<", ">", "&", "#", "-", "+", "=", "|", "!", "\\", ".", "1", "1.", "2)",
      "&amp;", "&#42;", "http://x.org/a_*b*", "www.x.org", "a@b.org", ":", "'", "\"", "@al", "ü", "🙂"];
    for (let seed = 1; seed <= 300; seed++) {
      const random = prng(seed);
      let body = "";
      for (let i = 0; i < 30; i++) body += random.pick(alphabet);
      if (body.trim() === "") continue;
      const markdown = markdownOf({ msgtype: "m.text", body });
      expect(visibleText(renderWebHtml(markdown, { mediaUrl }).html), `seed ${seed}: ${JSON.stringify(body)} → ${JSON.stringify(markdown)}`).toBe(normalize(body));
    }
  });

  it("keeps the text of HTML whose inline elements start and end with words, whatever the words", () => {
    const inline = ["b", "i", "del", "span", "u", "strong", "em", "s", "code", "a"];
    const words = ["*", "_", "`", "[x]", "&lt;b&gt;", "1.", "#", "-", "&amp;", "&amp;amp;", "|", "~", "~~", "\\", "word", "a_b", "![", "](", "@alice", "http://x.org/_a_", "www.x.org/*"];
    const text = (random: ReturnType<typeof prng>, depth: number): string => {
      let out = random.pick(words);
      for (let i = random.int(4); i > 0; i--) {
        const roll = random.int(5);
        if (roll === 0 && depth < 4) {
          const tag = random.pick(inline);
          out += ` <${tag}${tag === "a" ? ' href="https://example.org/"' : ""}>${text(random, depth + 1)}</${tag}>`;
        } else if (roll === 1) out += " <br>";
        out += ` ${random.pick(words)}`;
      }
      return out;
    };
    for (let seed = 1; seed <= 300; seed++) {
      const random = prng(seed);
      const block = random.pick(["p", "li", "blockquote", "h2", "div"]);
      const source = block === "li" ? `<ul><li>${text(random, 0)}</li></ul>` : `<${block}>${text(random, 0)}</${block}>`;
      const markdown = markdownOf(html(source));
      expect(visibleText(renderWebHtml(markdown, { mediaUrl }).html), `seed ${seed}: ${source} → ${JSON.stringify(markdown)}`).toBe(visibleText(source));
    }
  });
});
