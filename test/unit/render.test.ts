import { describe, expect, it } from "vitest";
import { ErrorCodes, MirageError } from "../../src/platform/errors/MirageError.js";
import { MATRIX_ALLOWED_ATTRIBUTES, MATRIX_ALLOWED_TAGS } from "../../src/platform/render/matrixHtmlAllowlist.js";
import { renderMatrixHtml } from "../../src/platform/render/renderMatrixHtml.js";
import { renderWebHtml } from "../../src/platform/render/renderWebHtml.js";
import { sanitizeMatrixHtml } from "../../src/platform/render/sanitizeMatrixHtml.js";
import { sanitizeProfileCss } from "../../src/platform/render/sanitizeProfileCss.js";
import {
  PROFILE_ALLOWED_ATTRIBUTES,
  PROFILE_ALLOWED_TAGS,
  sanitizeProfileHtml,
} from "../../src/platform/render/sanitizeProfileHtml.js";
import { HOSTILE_CSS, HOSTILE_MARKDOWN } from "../support/hostileInputs.js";
import { SURVIVING_IMAGE_CORPUS, XSS_CORPUS } from "./xssCorpus.js";
import { externalImageSignature, externalImageUrlUnder } from "../../src/platform/render/externalImageUrl.js";

const mediaUrl = (mxc: string) => `/_mirage/media/${mxc.slice("mxc://".length)}`;
const matrix = (md: string) => renderMatrixHtml(md).html;
const web = (md: string) => renderWebHtml(md, { mediaUrl }).html;

// ---------------------------------------------------------------------------------------------
// Checks on output

/** Needles that must not appear in markup (after entity decoding) or anywhere in CSS output. */
const NEEDLES = [
  "<script", "javascript:", "vbscript:", "data:text", "<iframe", "<object", "<embed", "<svg", "<math",
  "expression(", "-moz-binding", "behavior:", "@import", "</style",
];
const EVENT_HANDLER = /\son[a-z]+\s*=/;

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", colon: ":", tab: "\t", newline: "\n" };

/** Decodes character references as a browser does in attribute values (numeric, with or without `;`). */
function decodeEntities(text: string): string {
  return text.replace(/&(#[xX][0-9A-Fa-f]+|#\d+|[A-Za-z]+);?/g, (whole, ref: string) => {
    if (ref[0] !== "#") return NAMED[ref.toLowerCase()] ?? whole;
    const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "\uFFFD";
  });
}

type Allowlist = { tags: readonly string[]; attributes: Readonly<Record<string, readonly string[]>> };

// The checkers' allowlists are written out here, not taken from the production constants, so
// widening a constant (or the options built from it) shows up as a finding.
const MATRIX_TAGS = [
  "del", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "p", "a", "ul", "ol", "sup", "sub", "li",
  "b", "i", "u", "strong", "em", "s", "code", "hr", "br", "div", "table", "thead", "tbody", "tr",
  "th", "td", "caption", "pre", "span", "img", "details", "summary",
];
const MATRIX_ATTRIBUTES = {
  span: ["data-mx-bg-color", "data-mx-color", "data-mx-spoiler", "data-mx-maths"],
  a: ["target", "href"],
  img: ["width", "height", "alt", "title", "src"],
  ol: ["start"],
  div: ["data-mx-maths"],
};
const PROFILE_TAGS = [
  "div", "span", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header",
  "footer", "aside", "nav", "figure", "figcaption", "blockquote", "pre", "code", "ul", "ol", "li", "dl",
  "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col",
  "details", "summary", "a", "img", "b", "i", "u", "s", "strong", "em", "small", "mark", "sub", "sup",
  "abbr", "cite", "q", "kbd", "samp", "var", "del", "ins", "time", "address", "ruby", "rt", "rp", "wbr",
  "bdi", "bdo",
];
const PROFILE_ATTRIBUTES = {
  "*": ["class", "id", "title", "lang", "dir", "style"],
  a: ["href", "target", "rel"],
  img: ["src", "alt", "width", "height", "loading", "referrerpolicy"],
  ol: ["start", "reversed", "type"],
  li: ["value"],
  th: ["colspan", "rowspan", "scope"],
  td: ["colspan", "rowspan"],
  col: ["span"],
  colgroup: ["span"],
  time: ["datetime"],
  details: ["open"],
};

const MATRIX_LIST: Allowlist = { tags: MATRIX_TAGS, attributes: { ...MATRIX_ATTRIBUTES, code: ["class"] } };
const WEB_LIST: Allowlist = {
  tags: MATRIX_TAGS,
  attributes: {
    span: ["data-mx-bg-color", "data-mx-color", "data-mx-spoiler", "data-mx-maths"],
    a: ["target", "href", "rel"],
    img: ["width", "height", "alt", "title", "src", "loading", "referrerpolicy"],
    ol: ["start"],
    div: ["data-mx-maths"],
    code: ["class"],
    th: ["align"],
    td: ["align"],
  },
};
const PROFILE_LIST: Allowlist = { tags: PROFILE_TAGS, attributes: PROFILE_ATTRIBUTES };

const MARKUP = /<[^>]*>/g;
const WELL_FORMED_TAG = /^<(\/?)([a-z][a-z0-9]*)((?:\s[a-z][a-z-]*(?:="[^"<>]*")?)*)\s*\/?>$/;
const ATTRIBUTE = /\s([a-z][a-z-]*)(?:="([^"]*)")?/g;

/**
 * Problems with sanitized HTML, as a list (empty when safe). Text content is inert: a `<` there is
 * always escaped, so the visible text of an escaped payload is not a finding. Markup is checked
 * structurally (only allowlisted elements and attributes, well-formed, quoted) and, after decoding
 * character references, for every needle and event-handler attribute.
 */
function htmlProblems(html: string, allow: Allowlist): string[] {
  const problems: string[] = [];
  const lower = html.toLowerCase();
  for (const needle of NEEDLES) if (needle.startsWith("<") && lower.includes(needle)) problems.push(`raw ${needle}`);
  if (/&(?!amp;|lt;|gt;|quot;)/.test(html)) problems.push("unexpected character reference");
  let last = 0;
  for (const match of html.matchAll(MARKUP)) {
    const text = html.slice(last, match.index);
    if (/[<>]/.test(text)) problems.push(`unescaped text ${JSON.stringify(text)}`);
    last = match.index + match[0].length;
    const tag = match[0];
    const parsed = WELL_FORMED_TAG.exec(tag);
    if (!parsed) {
      problems.push(`malformed markup ${tag}`);
      continue;
    }
    const name = parsed[2]!;
    if (!allow.tags.includes(name)) problems.push(`element ${name}`);
    for (const attribute of (parsed[3] ?? "").matchAll(ATTRIBUTE)) {
      const attr = attribute[1]!;
      if (![...(allow.attributes[name] ?? []), ...(allow.attributes["*"] ?? [])].includes(attr)) {
        problems.push(`attribute ${attr} on ${name}`);
      }
    }
    const decoded = decodeEntities(tag).toLowerCase();
    // Browsers drop tabs and newlines inside URLs and leading controls and spaces before them.
    const compact = decoded.replace(/[\u0000-\u0020]/g, "");
    for (const needle of NEEDLES) if (decoded.includes(needle) || compact.includes(needle)) problems.push(`${needle} in ${tag}`);
    // Handlers are attributes: look outside quoted values (alt text may well read ` onerror=`).
    if (EVENT_HANDLER.test(tag.replace(/="[^"]*"/g, '=""').toLowerCase())) problems.push(`event handler in ${tag}`);
  }
  if (/[<>]/.test(html.slice(last))) problems.push("unescaped trailing text");
  return problems;
}

const DEFAULT_SCOPE = ".mirage-profile";
/** The rule that keeps the profile in its box; the sanitized CSS always starts with it. */
const CONTAINER = ".mirage-profile{contain:paint;overflow:hidden;position:relative}";

/** Problems with sanitized CSS: it is checked whole, case-insensitively, raw and entity-decoded. */
function cssProblems(css: string, scope = ".mirage-profile"): string[] {
  const problems: string[] = [];
  for (const form of [css.toLowerCase(), decodeEntities(css).toLowerCase()]) {
    for (const needle of NEEDLES) if (form.includes(needle)) problems.push(needle);
  }
  if (css.includes("<")) problems.push("<");
  if (css.includes("\\")) problems.push("backslash");
  if (/url\((?!"https:\/\/)/i.test(css)) problems.push("non-https url()");
  const [container, ...rules] = css.split("\n");
  if (container !== `${scope}${CONTAINER.slice(DEFAULT_SCOPE.length)}`) problems.push(`no container rule first: ${container}`);
  for (const line of rules) {
    if (!line.startsWith(`${scope} `) && !line.startsWith("@media ")) problems.push(`unscoped ${line}`);
  }
  return problems;
}

const FUNCTIONS: { name: string; run: (input: string) => string; problems: (out: string) => string[] }[] = [
  { name: "renderMatrixHtml", run: matrix, problems: (out) => htmlProblems(out, MATRIX_LIST) },
  { name: "renderWebHtml", run: web, problems: (out) => htmlProblems(out, WEB_LIST) },
  { name: "sanitizeProfileHtml", run: (s) => sanitizeProfileHtml(s), problems: (out) => htmlProblems(out, PROFILE_LIST) },
  { name: "sanitizeProfileCss", run: (s) => sanitizeProfileCss(s), problems: (out) => cssProblems(out) },
];

describe("XSS corpus", () => {
  it("has at least 60 distinct payloads", () => {
    expect(XSS_CORPUS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(XSS_CORPUS.map((c) => c.payload)).size).toBe(XSS_CORPUS.length);
  });

  for (const fn of FUNCTIONS) {
    describe(fn.name, () => {
      it.each(XSS_CORPUS.map((c) => [c.name, c.payload] as const))("neutralizes %s", (_name, payload) => {
        const out = fn.run(payload);
        expect(fn.problems(out), out).toEqual([]);
        expect(fn.run(payload)).toBe(out);
      });
    });
  }

  it("the checks themselves catch unsafe output", () => {
    expect(htmlProblems('<a href="java&#115;cript:alert(1)">x</a>', MATRIX_LIST)).not.toEqual([]);
    expect(htmlProblems('<a href="java\tscript:x">x</a>', MATRIX_LIST)).not.toEqual([]);
    expect(htmlProblems('<img src="mxc://a/b" onerror="x" />', MATRIX_LIST)).not.toEqual([]);
    expect(htmlProblems('<img src="https://a.example/b" srcset="https://a.example/c 2x" />', PROFILE_LIST)).not.toEqual([]);
    expect(htmlProblems('<img src="https://a.example/b" name="x" />', PROFILE_LIST)).not.toEqual([]);
    expect(htmlProblems('<p style="color:red">x</p>', WEB_LIST)).not.toEqual([]);
    expect(htmlProblems("<p>ok</p><script>x</script>", MATRIX_LIST)).not.toEqual([]);
    expect(htmlProblems('<p style="color:red">x</p>', MATRIX_LIST)).not.toEqual([]);
    expect(htmlProblems("<p>&lt;script&gt; is text</p>", MATRIX_LIST)).toEqual([]);
    expect(cssProblems(`${CONTAINER}\n.mirage-profile a{color:red}`)).toEqual([]);
    expect(cssProblems(".mirage-profile a{color:red}")).not.toEqual([]);
    expect(cssProblems(`${CONTAINER}\na{color:red}`)).not.toEqual([]);
    expect(cssProblems('.mirage-profile a{background-image:url("javascript:x")}')).not.toEqual([]);
  });

  it.each(SURVIVING_IMAGE_CORPUS.map((c) => [c.name, c.payload] as const))("keeps the image of %s and nothing it carries", (_name, payload) => {
    const https = /<img[^>]*https:\/\/example\.org\/a\.png/i.test(payload);
    const mxc = /<img[^>]*mxc:\/\/example\.org\/abc123/i.test(payload);
    const profile = sanitizeProfileHtml(payload);
    const forMatrix = sanitizeMatrixHtml(payload, { kind: "matrix" });
    const forWeb = sanitizeMatrixHtml(payload, { kind: "web", mediaUrl });
    // The images really survive, so the handler checks are what the corpus exercises here.
    expect(profile.includes('src="https://example.org/a.png'), profile).toBe(https);
    expect(forMatrix.includes('src="mxc://example.org/abc123"'), forMatrix).toBe(mxc);
    expect(forWeb.includes('src="/_mirage/media/example.org/abc123"'), forWeb).toBe(mxc);
    expect(forWeb.includes('src="https://example.org/a.png'), forWeb).toBe(https);
    expect(htmlProblems(profile, PROFILE_LIST)).toEqual([]);
    expect(htmlProblems(forMatrix, MATRIX_LIST)).toEqual([]);
    expect(htmlProblems(forWeb, WEB_LIST)).toEqual([]);
  });

  it("has payloads whose https and mxc images survive", () => {
    expect(SURVIVING_IMAGE_CORPUS.filter((c) => /<img[^>]*https:/i.test(c.payload)).length).toBeGreaterThanOrEqual(10);
    expect(SURVIVING_IMAGE_CORPUS.filter((c) => /<img[^>]*mxc:/i.test(c.payload)).length).toBeGreaterThanOrEqual(5);
  });

  it("profile HTML output is a fixed point of the sanitizer", () => {
    for (const { payload } of XSS_CORPUS) {
      const once = sanitizeProfileHtml(payload);
      expect(sanitizeProfileHtml(once)).toBe(once);
    }
  });

  it("sanitizeMatrixHtml keeps foreign formatted_body inside the same allowlists", () => {
    for (const { payload } of XSS_CORPUS) {
      expect(htmlProblems(sanitizeMatrixHtml(payload, { kind: "matrix" }), MATRIX_LIST)).toEqual([]);
      expect(htmlProblems(sanitizeMatrixHtml(payload, { kind: "web", mediaUrl }), WEB_LIST)).toEqual([]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Markdown

describe("Matrix allowlist", () => {
  it("is the spec's list of tags and attributes for formatted_body", () => {
    expect([...MATRIX_ALLOWED_TAGS].sort()).toEqual([...MATRIX_TAGS].sort());
    expect(MATRIX_ALLOWED_ATTRIBUTES).toEqual(MATRIX_ATTRIBUTES);
  });

  it("keeps spec attributes with valid values and drops the rest", () => {
    const html =
      '<span data-mx-color="#ff0000" data-mx-bg-color="red" data-mx-spoiler="why">s</span>' +
      '<a href="https://example.org/" target="_blank" title="t">a</a><a href="https://example.org/" target="other">b</a>' +
      '<ol start="5" reversed><li>x</li></ol><code class="language-ts other">c</code>' +
      '<img src="mxc://example.org/abc" width="10" height="x" alt="a">' +
      '<font color="red">f</font><mx-reply>quoted</mx-reply><div data-mx-maths="x^2">m</div>';
    expect(sanitizeMatrixHtml(html, { kind: "matrix" })).toBe(
      '<span data-mx-color="#ff0000" data-mx-spoiler="why">s</span>' +
        '<a href="https://example.org/" target="_blank">a</a><a href="https://example.org/">b</a>' +
        '<ol start="5"><li>x</li></ol><code class="language-ts">c</code>' +
        '<img src="mxc://example.org/abc" width="10" alt="a" />' +
        'fquoted<div data-mx-maths="x^2">m</div>',
    );
  });

  it("caps nesting at 100 levels", () => {
    const html = sanitizeMatrixHtml(`${"<div>".repeat(150)}x${"</div>".repeat(150)}`, { kind: "matrix" });
    expect(html.match(/<div>/g)?.length).toBe(100);
  });
});

describe("renderMatrixHtml", () => {
  it("renders headings, emphasis, strike-through and inline code", () => {
    expect(matrix("# One\n\n###### Six")).toBe("<h1>One</h1>\n<h6>Six</h6>");
    expect(matrix("*a* _b_ **c** ~~d~~ `x<y`")).toBe("<em>a</em> <em>b</em> <strong>c</strong> <del>d</del> <code>x&lt;y</code>");
  });

  it("sends a single paragraph without the <p> wrapper, several with it", () => {
    expect(matrix("hello *world*")).toBe("hello <em>world</em>");
    expect(matrix("one\n\ntwo")).toBe("<p>one</p>\n<p>two</p>");
  });

  it("renders lists, ordered lists with start, and task lists", () => {
    expect(matrix("- a\n- b")).toBe("<ul>\n<li>a</li>\n<li>b</li>\n</ul>");
    expect(matrix("3. c\n4. d")).toBe('<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>');
    expect(matrix("- [ ] todo\n- [x] done")).toBe("<ul>\n<li>\u2610 todo</li>\n<li>\u2611 done</li>\n</ul>");
  });

  it("renders code blocks with a language class and escapes their content", () => {
    expect(matrix("```ts\nconst a = '<b>';\n```")).toBe('<pre><code class="language-ts">const a = \'&lt;b&gt;\';\n</code></pre>');
    expect(matrix('```"><x\ncode\n```')).toBe("<pre><code>code\n</code></pre>");
  });

  it("renders tables and blockquotes", () => {
    expect(matrix("| a | b |\n|:-:|--:|\n| 1 | 2 |")).toBe(
      "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody><tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody></table>",
    );
    expect(matrix("> quoted\n\n---")).toBe("<blockquote>\n<p>quoted</p>\n</blockquote>\n<hr />");
  });

  it("keeps mentions and matrix links exactly, without rel (not a formatted_body attribute)", () => {
    expect(matrix("[Alice](https://matrix.to/#/@alice:example.org)")).toBe('<a href="https://matrix.to/#/@alice:example.org">Alice</a>');
    expect(matrix("[room](https://matrix.to/#/#room:example.org)")).toBe('<a href="https://matrix.to/#/#room:example.org">room</a>');
    expect(matrix("[bob](matrix:u/bob:example.org)")).toBe('<a href="matrix:u/bob:example.org">bob</a>');
    expect(matrix("<https://example.org/a?b=1&c=2> mail@example.org")).toBe(
      '<a href="https://example.org/a?b=1&amp;c=2">https://example.org/a?b=1&amp;c=2</a> <a href="mailto:mail@example.org">mail@example.org</a>',
    );
  });

  it("drops links to other schemes, relative links and links with credentials, keeping their text", () => {
    expect(matrix("[a](javascript:alert(1)) [b](ftp://x.org/) [c](/relative) [d](//host/x) [e](https://u:p@x.org/)")).toBe("a b c d e");
  });

  it("keeps mxc images and turns other images into links", () => {
    expect(matrix('![cat](mxc://example.org/abc123 "Cat")')).toBe('<img src="mxc://example.org/abc123" alt="cat" title="Cat" />');
    expect(matrix("![cat](https://example.org/cat.png)")).toBe('<a href="https://example.org/cat.png">cat</a>');
    expect(matrix("![](https://example.org/cat.png)")).toBe('<a href="https://example.org/cat.png">https://example.org/cat.png</a>');
    expect(matrix("![cat](javascript:alert(1))")).toBe("cat");
  });

  it("shows raw HTML as text instead of interpreting it", () => {
    expect(matrix("a <b>bold</b> <script>x</script>")).toBe("a &lt;b&gt;bold&lt;/b&gt; &lt;script&gt;x&lt;/script&gt;");
    expect(matrix("<div>\n\n*x*\n\n</div>")).toBe("<p>&lt;div&gt;</p>\n<p><em>x</em></p>\n<p>&lt;/div&gt;</p>");
  });

  it("decodes character references in text and link destinations as CommonMark does", () => {
    expect(matrix("&copy; &amp; &#65;")).toBe("© &amp; A");
    expect(matrix("[x](https://example.org/?a=1&amp;b=2)")).toBe('<a href="https://example.org/?a=1&amp;b=2">x</a>');
  });
});

describe("long documents", () => {
  it("keeps the numbering of an ordered list long enough to be rendered in parts", () => {
    const html = web(Array.from({ length: 250 }, (_, i) => `${i + 1}. item`).join("\n"));
    expect(html.match(/<ol[^>]*>/g)).toEqual(["<ol>", '<ol start="101">', '<ol start="201">']);
    expect(html.match(/<li>/g)).toHaveLength(250);
  });

  it("renders a long thematic break as a rule, not as nested lists", () => {
    expect(matrix(`a\n\n${"* ".repeat(60)}\n\nb`)).toBe("<p>a</p>\n<hr />\n<p>b</p>");
  });

  it("renders long paragraphs, code blocks and tables whole", () => {
    const words = "lorem ipsum ".repeat(5_000).trim();
    expect(web(words) === `<p>${words}</p>`).toBe(true);
    const code = "x = 1\n".repeat(5_000);
    expect(web("```\n" + code + "```") === `<pre><code>${code}</code></pre>`).toBe(true);
    const table = web("| a |\n|---|\n" + "| 1 |\n".repeat(3_000));
    expect(table.match(/<tr>/g)).toHaveLength(3_001);
  });
});

describe("renderWebHtml", () => {
  it("adds rel to every link", () => {
    expect(web("[x](https://example.org/)")).toBe('<p><a href="https://example.org/" rel="noopener noreferrer nofollow">x</a></p>');
    expect(web("[Alice](https://matrix.to/#/@alice:example.org)")).toBe(
      '<p><a href="https://matrix.to/#/@alice:example.org" rel="noopener noreferrer nofollow">Alice</a></p>',
    );
  });

  it("serves mxc images through mediaUrl; without an external image route, http(s) images are only linked", () => {
    expect(web("![cat](mxc://example.org/abc123)")).toBe(
      '<p><img src="/_mirage/media/example.org/abc123" alt="cat" loading="lazy" referrerpolicy="no-referrer" /></p>',
    );
    expect(web("![cat](https://example.org/cat.png)")).toBe(
      '<p><a href="https://example.org/cat.png" rel="noopener noreferrer nofollow">cat</a></p>',
    );
    expect(web("![cat](http://example.org/cat.png)")).toBe(
      '<p><a href="http://example.org/cat.png" rel="noopener noreferrer nofollow">cat</a></p>',
    );
  });

  it("shows http(s) images from Mirage's signed copy, never from their host", () => {
    const external = externalImageUrlUnder("https://mirage.example/", "test-key");
    const proxied = (md: string) => renderWebHtml(md, { mediaUrl, externalImageUrl: external }).html;
    const url = "https://tracker.example/cat.png?a=1&b=2";
    const html = proxied(`![cat](${url}) and ![dog](http://tracker.example/dog.gif "Dog") and ![own](https://mirage.example/media/example.org/abc)`);
    const signed = `https://mirage.example/media/external/${externalImageSignature("test-key", url)}?url=${encodeURIComponent(url)}`;
    expect(html).toContain(`<img src="${signed.replace(/&/g, "&amp;")}" alt="cat" loading="lazy" referrerpolicy="no-referrer" />`);
    expect(html).toContain('<img src="https://mirage.example/media/example.org/abc" alt="own"');
    // The image's own URL appears only percent-encoded inside Mirage's link, in no src, href or srcset.
    const srcs = [...html.matchAll(/(?:src|href|srcset)="([^"]*)"/g)].map((m) => m[1]!);
    expect(srcs).toHaveLength(3);
    for (const src of srcs) expect(src.startsWith("https://mirage.example/media/")).toBe(true);
    expect(html).not.toMatch(/="https?:\/\/tracker\.example/);
    // Bad URLs stay text or links, as before.
    expect(proxied("![x](javascript:alert(1))")).toBe("<p>x</p>");
    expect(proxied("![x](//tracker.example/a.png)")).toBe("<p>x</p>");
  });

  it("refuses what mediaUrl returns if it is not a path or http(s) URL", () => {
    expect(renderWebHtml("![x](mxc://a/b)", { mediaUrl: () => "javascript:alert(1)" }).html).toBe("<p></p>");
    expect(renderWebHtml("![x](mxc://a/b)", { mediaUrl: () => "//evil.example/x" }).html).toBe("<p></p>");
  });

  it("keeps table alignment", () => {
    expect(web("| a |\n|:-:|\n| 1 |")).toContain('<th align="center">a</th>');
  });

  it("is deterministic", () => {
    const source = "# T\n\n*a* [b](https://x.org/) ![c](mxc://s/m)\n\n- d\n";
    expect(web(source)).toBe(web(source));
    expect(matrix(source)).toBe(matrix(source));
  });
});

describe("Markdown input limits", () => {
  it("rejects input over the limit with INVALID_INPUT and accepts input at it", () => {
    const over = () => renderMatrixHtml("a".repeat(100_001));
    expect(over).toThrow(MirageError);
    try {
      over();
    } catch (error) {
      expect((error as MirageError).code).toBe(ErrorCodes.invalidInput);
    }
    expect(() => renderWebHtml("a".repeat(100_000), { mediaUrl })).not.toThrow();
    expect(() => renderMatrixHtml("abc", { maxInputChars: 2 })).toThrow(MirageError);
    // The limit counts characters, not UTF-16 units.
    expect(() => renderMatrixHtml("\u{1F600}".repeat(3), { maxInputChars: 3 })).not.toThrow();
    expect(() => renderMatrixHtml(42 as unknown as string)).toThrow(MirageError);
  });


  // How fast is measured in `npm run bench` (as a ratio to plain text); here: finishes and stays safe.
  // The timeout only guards against a hang.
  it.each(HOSTILE_MARKDOWN)("renders %s safely", (_name, source) => {
    expect(htmlProblems(matrix(source), MATRIX_LIST)).toEqual([]);
    expect(htmlProblems(web(source), WEB_LIST)).toEqual([]);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// Profile HTML

describe("profile allowlist", () => {
  it("is exactly the listed elements and attributes", () => {
    expect([...PROFILE_ALLOWED_TAGS].sort()).toEqual([...PROFILE_TAGS].sort());
    expect(PROFILE_ALLOWED_ATTRIBUTES).toEqual(PROFILE_ATTRIBUTES);
  });
});

describe("sanitizeProfileHtml", () => {
  it("keeps ordinary profile markup", () => {
    const html =
      '<section class="card intro" id="about"><h2 title="Me">About</h2><p lang="en" dir="ltr">Hi, I <em>write</em> <code>code</code>.</p>' +
      '<ul><li>one</li></ul><table><tr><th scope="col" colspan="2">h</th></tr></table>' +
      '<a href="https://example.org/" target="_blank">site</a> <a href="mailto:me@example.org">mail</a> <a href="#about">top</a>' +
      '<img src="https://example.org/me.png" alt="me" width="64" height="64"><details open><summary>more</summary>text</details></section>';
    expect(sanitizeProfileHtml(html)).toBe(
      '<section class="mp-card mp-intro" id="mp-about"><h2 title="Me">About</h2><p lang="en" dir="ltr">Hi, I <em>write</em> <code>code</code>.</p>' +
        '<ul><li>one</li></ul><table><tr><th scope="col" colspan="2">h</th></tr></table>' +
        '<a href="https://example.org/" rel="noopener noreferrer nofollow" target="_blank">site</a> ' +
        '<a href="mailto:me@example.org" rel="noopener noreferrer nofollow">mail</a> <a href="#mp-about" rel="noopener noreferrer nofollow">top</a>' +
        '<img alt="me" width="64" height="64" src="https://example.org/me.png" loading="lazy" referrerpolicy="no-referrer" />' +
        "<details open><summary>more</summary>text</details></section>",
    );
  });

  it("reduces class, id and style to safe values", () => {
    expect(sanitizeProfileHtml('<div class="ok a&b  ok x:y" id="1bad" style="color: red; position: fixed; margin:0 auto">x</div>')).toBe(
      '<div class="mp-ok" style="color:red;margin:0 auto">x</div>',
    );
  });

  it("prefixes every id and class, so none can clobber the page's DOM or borrow its styles", () => {
    const html = '<div id="config" class="admin-panel hidden"><a href="#config">x</a><img src="https://example.org/a.png" name="currentUser" id="csrf"></div>';
    expect(sanitizeProfileHtml(html)).toBe(
      '<div id="mp-config" class="mp-admin-panel mp-hidden"><a href="#mp-config" rel="noopener noreferrer nofollow">x</a>' +
        '<img id="mp-csrf" src="https://example.org/a.png" loading="lazy" referrerpolicy="no-referrer" /></div>',
    );
    // Already prefixed names stay as they are, so sanitizing twice changes nothing.
    expect(sanitizeProfileHtml('<p id="mp-a" class="mp-b c">x</p>')).toBe('<p id="mp-a" class="mp-b mp-c">x</p>');
    expect(sanitizeProfileHtml('<p id="mp-1" class="mp-">x</p><a href="#mp-1">y</a>')).toBe("<p>x</p>y");
  });

  it("names ids and classes in the HTML as the CSS selectors name them", () => {
    const html = sanitizeProfileHtml('<p id="lead" class="note big">x</p>');
    const css = sanitizeProfileCss("#lead, .note.big, [class~=note], [id=lead] { color: red }");
    expect(css).toBe(
      `${CONTAINER}\n.mirage-profile #mp-lead,.mirage-profile .mp-note.mp-big,.mirage-profile [class~="mp-note"],.mirage-profile [id="mp-lead"]{color:red}`,
    );
    for (const name of ["mp-lead", "mp-note", "mp-big"]) expect(html).toContain(name);
  });

  it("keeps style attributes inside the box", () => {
    expect(sanitizeProfileHtml('<div style="width: 100vw; height: 100vh; margin: -50vh; color: red">x</div>')).toBe('<div style="color:red">x</div>');
    expect(sanitizeProfileHtml('<div style="margin-top: -20px; width: 100000px; position: absolute; top: -10px">x</div>')).toBe(
      '<div style="margin-top:0;width:4096px">x</div>',
    );
  });

  it("drops http images, srcset, http links and forbidden elements", () => {
    expect(sanitizeProfileHtml('<img src="http://example.org/a.png"><img src="https://example.org/a.png" srcset="https://example.org/b.png 2x">')).toBe(
      '<img src="https://example.org/a.png" loading="lazy" referrerpolicy="no-referrer" />',
    );
    expect(sanitizeProfileHtml('<a href="http://example.org/">plain</a>')).toBe("plain");
    expect(sanitizeProfileHtml("<form><input><button>b</button></form><style>a{}</style><svg></svg>kept")).toBe("bkept");
  });

  it("rejects input over the limit", () => {
    expect(() => sanitizeProfileHtml("x".repeat(11), { maxInputChars: 10 })).toThrow(MirageError);
  });
});

// ---------------------------------------------------------------------------------------------
// Profile CSS

/** The sanitized stylesheet: the container rule, then the rules kept. */
const sheet = (...rules: string[]) => [CONTAINER, ...rules].join("\n");

describe("sanitizeProfileCss", () => {
  it("keeps colors, fonts, spacing and layout, scoped to the profile", () => {
    const css = `
      h1, .title > span:hover { color: #FF0000; font-family: "Helvetica Neue", Arial, sans-serif; font-size: 2rem }
      .card { margin: 0 auto 1em; padding: calc(100% - 2px); border: 1px solid rgb(10 20 30 / 50%); border-radius: 4px }
      .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 1rem; max-width: 60ch }
      p { background-color: hsl(120deg, 50%, 50%) !important; line-height: 1.5; text-align: center }`;
    expect(sanitizeProfileCss(css)).toBe(
      sheet(
        '.mirage-profile h1,.mirage-profile .mp-title>span:hover{color:#ff0000;font-family:"Helvetica Neue",Arial,sans-serif;font-size:2rem}',
        ".mirage-profile .mp-card{margin:0 auto 1em;padding:clamp(-4096px,calc(100% - 2px),4096px);border:1px solid rgb(10 20 30/50%);border-radius:4px}",
        ".mirage-profile .mp-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:1rem;max-width:60ch}",
        ".mirage-profile p{background-color:hsl(120deg,50%,50%) !important;line-height:1.5;text-align:center}",
      ),
    );
  });

  it("uses the given scope", () => {
    expect(sanitizeProfileCss("a { color: red }", { scope: "#profile .body" })).toBe(
      "#profile .body{contain:paint;overflow:hidden;position:relative}\n#profile .body a{color:red}",
    );
    expect(() => sanitizeProfileCss("a{}", { scope: "} body {" })).toThrow(TypeError);
  });

  it("scopes rules inside @media and drops other at-rules", () => {
    expect(sanitizeProfileCss("@media screen and (max-width: 600px) { .a { display: none } @import url(x); } @import 'x.css'; @font-face { src: url(https://x/y) } @keyframes k { from { color: red } }")).toBe(
      sheet("@media screen and (max-width:600px){.mirage-profile .mp-a{display:none}}"),
    );
    expect(sanitizeProfileCss("@media (width > 1px) { a { color: red } }")).toBe(sheet());
    expect(sanitizeProfileCss("@media only screen and ((min-width: 30em) or (orientation: landscape)), print { a { color: red } }")).toBe(
      sheet("@media only screen and ((min-width:30em) or (orientation:landscape)),print{.mirage-profile a{color:red}}"),
    );
  });

  it("allows only https background images", () => {
    expect(sanitizeProfileCss("a { background-image: url(https://example.org/a.png) } b { background-image: url(\"https://example.org/a'(b).png\") }")).toBe(
      sheet('.mirage-profile a{background-image:url("https://example.org/a.png")}', '.mirage-profile b{background-image:url("https://example.org/a%27%28b%29.png")}'),
    );
    expect(sanitizeProfileCss("a { background-image: url(http://example.org/a.png) } b { color: url(https://example.org/a.png) }")).toBe(sheet());
  });

  it("drops selectors that could reach outside the scope", () => {
    expect(sanitizeProfileCss("~ footer { color: red } + p { color: red } > p { color: red } :root { color: red } a:has(b) { color: red } & p { color: red }")).toBe(sheet());
    expect(sanitizeProfileCss("p ~ q, a > b + c { color: green }")).toBe(sheet(".mirage-profile p~q,.mirage-profile a>b+c{color:green}"));
  });

  it("takes at most 64 selectors in a list and 16 compound selectors in one", () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => `.c${i}`).join(", ");
    expect(sanitizeProfileCss(`${list(64)} { color: red }`)).toContain(".mirage-profile .mp-c63{color:red}");
    expect(sanitizeProfileCss(`${list(65)} { color: red }`)).toBe(sheet());
    expect(sanitizeProfileCss(`${"a ".repeat(16)}{ color: red }`)).toBe(sheet(`.mirage-profile ${"a ".repeat(15)}a{color:red}`));
    expect(sanitizeProfileCss(`${"a>".repeat(16)}b { color: red }`)).toBe(sheet());
  });

  it("cannot style the container itself: the scope's own class is an owner's class like any other", () => {
    expect(sanitizeProfileCss(".mirage-profile { position: fixed; overflow: visible; color: red }")).toBe(
      sheet(".mirage-profile .mp-mirage-profile{overflow:visible;color:red}"),
    );
  });

  it("supports attribute, structural and negation selectors", () => {
    expect(sanitizeProfileCss('a[href^="https"], li:nth-child(2n + 1), p:not(.x)::first-line, q:first-letter { color: red }')).toBe(
      sheet('.mirage-profile a[href^="https"],.mirage-profile li:nth-child(2n+1),.mirage-profile p:not(.mp-x)::first-line,.mirage-profile q::first-letter{color:red}'),
    );
  });

  it("drops properties outside the allowlist and values with unknown tokens", () => {
    expect(sanitizeProfileCss("a { position: fixed; z-index: 9; content: 'x'; transform: none; color: var(--x); width: 10px }")).toBe(
      sheet(".mirage-profile a{width:10px}"),
    );
  });

  it("keeps the profile in its box: no viewport units, no negative margins, no positioning, bounded lengths", () => {
    // The shape a black-box probe found surviving: a full-viewport box pulled up over the page.
    expect(sanitizeProfileCss("div { width: 100vw; height: 100vh; margin: -50vh }")).toBe(sheet());
    expect(sanitizeProfileCss("div { width: 50dvw; font-size: 2vmin; height: 10cqh; min-height: 1svh }")).toBe(sheet());
    expect(
      sanitizeProfileCss(
        "div { position: fixed; position: absolute; top: -100px; left: -9999px; inset: 0; z-index: 2147483647; transform: translate(-100%, -100%); translate: 0 -100vh }",
      ),
    ).toBe(sheet());
    expect(sanitizeProfileCss("p { margin: -1em auto -2px; margin-top: -10px; margin-left: calc(-50% - 10px) }")).toBe(
      sheet(".mirage-profile p{margin:0 auto 0;margin-top:0;margin-left:clamp(0px,calc(-50% - 10px),4096px)}"),
    );
    expect(sanitizeProfileCss("p { width: 100000px; height: 1000in; text-indent: -99999px; max-width: 5000%; padding: 1e9em; line-height: 100000 }")).toBe(
      sheet(".mirage-profile p{width:4096px;height:42.66in;text-indent:-4096px;max-width:400%;padding:256em;line-height:256}"),
    );
    expect(sanitizeProfileCss("p { width: calc(100000px * 1000); height: max(1px, 10000em) }")).toBe(
      sheet(".mirage-profile p{width:clamp(-4096px,calc(100000px*1000),4096px);height:clamp(-4096px,max(1px,10000em),4096px)}"),
    );
    // Ordinary sizes pass unchanged.
    expect(sanitizeProfileCss("p { width: 100%; max-width: 40em; margin: 1em 0; border-radius: 9999px; letter-spacing: -0.02em }")).toBe(
      sheet(".mirage-profile p{width:100%;max-width:40em;margin:1em 0;border-radius:4096px;letter-spacing:-0.02em}"),
    );
  });

  it("strips comments and decodes escapes before judging", () => {
    expect(sanitizeProfileCss(String.raw`a { /* hi */ \63 olor: r\65 d }`)).toBe(sheet(".mirage-profile a{color:red}"));
    expect(sanitizeProfileCss("a { font-family: java/**/script }")).toBe(sheet(".mirage-profile a{font-family:java script}"));
    expect(sanitizeProfileCss(String.raw`#\6c ead, .n\6fte { color: red }`)).toBe(sheet(".mirage-profile #mp-lead,.mirage-profile .mp-note{color:red}"));
  });

  it("never lets the stylesheet end the <style> element", () => {
    expect(sanitizeProfileCss("a { color: red } </style><script>alert(1)</script> b { color: blue }")).not.toMatch(/</);
  });

  it("keeps a stylesheet nesting 16 levels and drops one nesting deeper", () => {
    const nested = (depth: number) => `@media screen { a { width: ${"calc(".repeat(depth - 2)}1px${")".repeat(depth - 2)} } } b { color: red }`;
    expect(sanitizeProfileCss(nested(4))).toBe(sheet("@media screen{.mirage-profile a{width:clamp(-4096px,calc(calc(1px)),4096px)}}", ".mirage-profile b{color:red}"));
    // Past the function depth the value goes, but the stylesheet is still parsed.
    expect(sanitizeProfileCss(nested(16))).toBe(sheet(".mirage-profile b{color:red}"));
    expect(sanitizeProfileCss(nested(17))).toBe(sheet());
    expect(sanitizeProfileCss(`${"a{".repeat(17)}`)).toBe(sheet());
    expect(sanitizeProfileCss(`a{color:red} ${"(".repeat(17)}`)).toBe(sheet());
    // Closers of another kind do not close a block, as in CSS Syntax Level 3.
    expect(sanitizeProfileCss(`a{color:red} ${"(]".repeat(17)}`)).toBe(sheet());
  });

  it("keeps nothing of a source with more parse errors than css-tree's budget (100)", () => {
    expect(sanitizeProfileCss(`a{color:red} ${"{}".repeat(100)} b{color:blue}`)).toBe(sheet(".mirage-profile a{color:red}", ".mirage-profile b{color:blue}"));
    expect(sanitizeProfileCss(`a{color:red} ${"{}".repeat(101)} b{color:blue}`)).toBe(sheet());
    expect(sanitizeProfileHtml(`<p style="color:red;${"!;".repeat(100)}width:1px">x</p>`)).toBe('<p style="color:red;width:1px">x</p>');
    expect(sanitizeProfileHtml(`<p style="color:red;${"!;".repeat(101)}width:1px">x</p>`)).toBe("<p>x</p>");
  });

  it("recovers from a broken rule as browsers do: the next rule stays", () => {
    expect(sanitizeProfileCss("@import url(x) ; a{color:red} b{c:(} d{color:blue}")).toBe(sheet(".mirage-profile a{color:red}"));
    expect(sanitizeProfileCss("a{color:red} b{c:d e{f:g}} h{color:blue} @media x; i{color:green}")).toBe(
      sheet(".mirage-profile a{color:red}", ".mirage-profile h{color:blue}", ".mirage-profile i{color:green}"),
    );
  });

  it("rejects input over the limit and survives hostile input", () => {
    expect(() => sanitizeProfileCss("a".repeat(11), { maxInputChars: 10 })).toThrow(MirageError);
    for (const css of HOSTILE_CSS) expect(cssProblems(sanitizeProfileCss(css))).toEqual([]);
  }, 60_000);
});
