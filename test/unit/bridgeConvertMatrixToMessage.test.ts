import { describe, expect, it } from "vitest";
import { matrixEditToMessage, matrixToMessage, type ImportContext } from "../../src/bridge/convert/matrixToMessage.js";
import type { EncryptedFile } from "../../src/bridge/convert/encryptedFile.js";
import { people } from "../../src/platform/people/people.js";
import { renderMatrixHtml } from "../../src/platform/render/renderMatrixHtml.js";

// Shapes below are the Matrix spec's examples (client-server API, "m.room.message msgtypes",
// "Rich replies", "Threading", "Event replacements", "Sending encrypted attachments").
const mediaUrl = (mxc: string) => `/media/${mxc.slice("mxc://".length)}`;
const context: ImportContext = { mediaUrl, ghosts: people.ghostAccounts("mirage_", "example.org") };
const html = (formatted_body: string, body = "fallback", msgtype = "m.text") => ({ msgtype, body, format: "org.matrix.custom.html", formatted_body });
const markdownOf = (content: Record<string, unknown>, ctx: ImportContext = context) => {
  const result = matrixToMessage(content, ctx);
  if (!("body" in result)) throw new Error(`unsupported: ${result.unsupported}`);
  return result.body;
};

describe("matrixToMessage: text", () => {
  it("keeps m.text, m.notice and m.emote as their kind", () => {
    expect(matrixToMessage({ msgtype: "m.text", body: "hello" }, context)).toEqual({ body: "hello", kind: "text" });
    expect(matrixToMessage({ msgtype: "m.notice", body: "This is an example notice" }, context)).toEqual({ body: "This is an example notice", kind: "notice" });
    expect(matrixToMessage({ msgtype: "m.emote", body: "thinks this is an example emote" }, context)).toEqual({ body: "thinks this is an example emote", kind: "emote" });
    expect(matrixToMessage(html("<b>waves</b>", "waves", "m.emote"), context)).toEqual({ body: "**waves**", kind: "emote" });
  });

  it("escapes Markdown in a plain body so it reads literally, keeping its lines", () => {
    expect(markdownOf({ msgtype: "m.text", body: "2*3*4 is _not_ [a link](x) <b>bold</b> `code` ~~x~~ a|b" })).toBe(
      "2\\*3\\*4 is \\_not\\_ \\[a link\\](x) \\<b\\>bold\\</b\\> \\`code\\` \\~\\~x\\~\\~ a\\|b",
    );
    expect(markdownOf({ msgtype: "m.text", body: "# not a heading\n- not a list\n1. not ordered\n> not a quote\n+ nor this\n===" })).toBe(
      "\\# not a heading  \n\\- not a list  \n1\\. not ordered  \n\\> not a quote  \n\\+ nor this  \n\\===",
    );
    expect(markdownOf({ msgtype: "m.text", body: "first\n\n\nsecond\n    indented" })).toBe("first\n\nsecond  \n\u00a0\u00a0\u00a0\u00a0indented");
    expect(markdownOf({ msgtype: "m.text", body: "snake_case_name stays, &amp; is escaped, AT&T is not" })).toBe("snake_case_name stays, \\&amp; is escaped, AT&T is not");
  });

  it("keeps bare URLs clickable, bracketing those escaping would change", () => {
    expect(markdownOf({ msgtype: "m.text", body: "see https://example.org/a_b and https://example.org/_next/*x*." })).toBe(
      "see https://example.org/a_b and <https://example.org/_next/*x*>.",
    );
  });

  it("prefers formatted_body and converts its allowed HTML to Markdown", () => {
    expect(markdownOf(html("<p>Hello <strong>bold</strong> <em>it</em> <del>gone</del> <code>x = 1</code></p><p>Second<br>line</p>"))).toBe(
      "Hello **bold** *it* ~~gone~~ `x = 1`\n\nSecond  \nline",
    );
    expect(markdownOf(html("<b>b</b> <i>i</i> <s>s</s> <u>u</u> <span data-mx-color=\"#ff0000\">red</span> <font color=\"red\">font</font> <sup>up</sup>"))).toBe(
      "**b** *i* ~~s~~ u red font up",
    );
    expect(markdownOf(html("<h1>Title</h1><h3>Sub #</h3><hr><blockquote><p>quoted</p><p>more</p></blockquote>"))).toBe(
      "# Title\n\n### Sub \\#\n\n---\n\n> quoted\n>\n> more",
    );
    expect(markdownOf(html("<ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul><ol start=\"3\"><li>three</li><li>four</li></ol>"))).toBe(
      "- one\n- two\n\n  - nested\n\n3. three\n4. four",
    );
  });

  it("round-trips Element's formatted bodies: the platform renders the Markdown back to the same HTML", () => {
    const bodies = [
      "<strong>bold</strong> and <em>italic</em> and <del>struck</del> and <code>co*de</code>",
      "<p>one</p>\n<p>two with a <a href=\"https://example.org/a_b\">link</a></p>",
      "<blockquote>\n<p>quoted <em>text</em></p>\n</blockquote>\n<p>reply</p>",
      "<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
      "<ol start=\"4\">\n<li>four</li>\n<li>five</li>\n</ol>",
      '<pre><code class="language-ts">const a = "&lt;b&gt;" &amp;&amp; b * c;\n</code></pre>',
      "<h2>Heading</h2>\n<p>a * b _ c [d] &lt;e&gt;</p>",
      "line one<br />line two",
    ];
    const normalize = (html: string) => html.replace(/>\s+</g, "><").trim();
    for (const body of bodies) expect(normalize(renderMatrixHtml(markdownOf(html(body))).html), body).toBe(normalize(body));
  });

  it("keeps code blocks with their language and code spans with backticks inside", () => {
    expect(markdownOf(html('<pre><code class="language-python">def f():\n    return "*x*" &lt; 1\n</code></pre>'))).toBe('```python\ndef f():\n    return "*x*" < 1\n```');
    expect(markdownOf(html("<pre><code>```\nfence\n```</code></pre>"))).toBe("````\n```\nfence\n```\n````");
    expect(markdownOf(html("use <code>a`b</code> and <code>`</code>"))).toBe("use ``a`b`` and `` ` ``");
    expect(markdownOf(html('<pre><code class="language-x&quot;onload">y</code></pre>'))).toBe("```\ny\n```");
  });

  it("keeps http, https and mailto links; other schemes keep only their text", () => {
    expect(markdownOf(html('<a href="https://example.org/a (b)">the *site*</a> <a href="mailto:a@example.org">mail</a> <a href="javascript:alert(1)">evil</a> <a href="data:text/html,x">data</a> <a href="ftp://x.org">ftp</a>'))).toBe(
      "[the \\*site\\*](https://example.org/a%20%28b%29) [mail](mailto:a@example.org) evil data ftp",
    );
    expect(markdownOf(html('<a href="https://example.org/"></a>'))).toBe("[https://example.org/](https://example.org/)");
  });

  it("turns user pills into handles: a ghost into @account, anyone else into their Matrix ID; room pills into their text", () => {
    expect(markdownOf(html('<a href="https://matrix.to/#/@mirage_alice:example.org">Alice</a>: hi <a href="https://matrix.to/#/@bob:example.org">Bob</a> and <a href="https://matrix.to/#/%40carol%3Aother.org">Carol</a>'))).toBe(
      "@alice: hi @bob:example.org and @carol:other.org",
    );
    // A look-alike of a ghost on another server stays a Matrix user.
    expect(markdownOf(html('<a href="https://matrix.to/#/@mirage_alice:evil.org">Alice</a>'))).toBe("@mirage_alice:evil.org");
    expect(markdownOf(html('<a href="matrix:u/mirage_alice:example.org">Alice</a>'))).toBe("@alice");
    expect(markdownOf(html('join <a href="https://matrix.to/#/#room:example.org">#room:example.org</a> or <a href="https://matrix.to/#/!abc:example.org/$ev?via=example.org">that message</a>'))).toBe(
      "join #room:example.org or that message",
    );
    expect(markdownOf(html('<a href="https://matrix.to/#/@not a user">x</a>'))).toBe("[x](https://matrix.to/#/@not%20a%20user)");
  });

  it("shows mxc images through Mirage's media route and drops other images to their alt text", () => {
    expect(markdownOf(html('<img src="mxc://example.org/abc" alt="a [cat]"> <img src="https://tracker.example/x.png" alt="remote"> <img src="mxc://bad">'))).toBe(
      "![a &#91;cat&#93;](/media/example.org/abc) remote",
    );
  });

  it("drops script-like elements with their content and keeps only the text of other elements", () => {
    expect(markdownOf(html('<script>alert(1)</script><style>p{}</style><iframe src="x">frame</iframe><table><tr><td>a</td><td>b</td></tr></table><details><summary>more</summary>hidden</details><marquee onclick="x()">text</marquee>'))).toBe(
      "a b\n\nmore\n\nhidden\n\ntext",
    );
  });

  it("falls back to body when formatted_body is not HTML or says nothing", () => {
    expect(markdownOf({ msgtype: "m.text", body: "*plain*", format: "org.example.other", formatted_body: "<b>x</b>" })).toBe("\\*plain\\*");
    expect(markdownOf(html("<script>only</script>", "the body"))).toBe("the body");
    expect(markdownOf({ msgtype: "m.text", body: "plain", formatted_body: 42, format: "org.matrix.custom.html" })).toBe("plain");
  });

  it("strips rich-reply fallbacks from formatted_body and, for a reply, from body", () => {
    const reply = {
      msgtype: "m.text",
      body: "> <@alice:example.org> This is the original body\n> second line\n\nThis is where the reply goes",
      format: "org.matrix.custom.html",
      formatted_body:
        '<mx-reply><blockquote><a href="https://matrix.to/#/!somewhere:example.org/$event:example.org">In reply to</a> <a href="https://matrix.to/#/@alice:example.org">@alice:example.org</a><br />This is the original body</blockquote></mx-reply>This is where the reply goes',
      "m.relates_to": { "m.in_reply_to": { event_id: "$another:event.com" } },
    };
    expect(markdownOf(reply)).toBe("This is where the reply goes");
    const { format: _f, formatted_body: _h, ...plainReply } = reply;
    expect(markdownOf(plainReply)).toBe("This is where the reply goes");
    // In-thread replies to a specific event carried fallbacks too; a thread fallback did not.
    expect(markdownOf({ ...plainReply, "m.relates_to": { rel_type: "m.thread", event_id: "$root", is_falling_back: false, "m.in_reply_to": { event_id: "$target" } } })).toBe("This is where the reply goes");
    // Not a reply: a leading quote is the message.
    expect(markdownOf({ msgtype: "m.text", body: "> quoted\n\nmine" })).toBe("\\> quoted\n\nmine");
    expect(markdownOf({ msgtype: "m.text", body: "> quoted\n\nmine", "m.relates_to": { rel_type: "m.thread", event_id: "$root", is_falling_back: true, "m.in_reply_to": { event_id: "$root" } } })).toBe("\\> quoted\n\nmine");
  });
});

describe("matrixToMessage: media", () => {
  it("links m.image, m.file, m.video and m.audio through Mirage's media route", () => {
    const info = { mimetype: "image/jpeg", size: 31037, w: 394, h: 398 };
    expect(matrixToMessage({ msgtype: "m.image", body: "filename.jpg", info, url: "mxc://example.org/JWEIFJgwEIhweiWJE" }, context)).toEqual({
      body: "![filename.jpg](/media/example.org/JWEIFJgwEIhweiWJE)",
      kind: "text",
    });
    expect(markdownOf({ msgtype: "m.file", body: "something-important.doc", filename: "something-important.doc", url: "mxc://example.org/FHyPlCeYUSFFxlgbQYZmoEoe" })).toBe(
      "[something-important.doc](/media/example.org/FHyPlCeYUSFFxlgbQYZmoEoe)",
    );
    expect(markdownOf({ msgtype: "m.video", body: "Gangnam Style", url: "mxc://example.org/a2b3c4" })).toBe("[Gangnam Style](/media/example.org/a2b3c4)");
    expect(markdownOf({ msgtype: "m.audio", body: "Bee Gees - Stayin' Alive", url: "mxc://example.org/ffed755USFFxlgbQYZGtryd" })).toBe(
      "[Bee Gees - Stayin' Alive](/media/example.org/ffed755USFFxlgbQYZGtryd)",
    );
  });

  it("puts a caption (body differing from filename, spec v1.10) after the link, from its HTML when given", () => {
    expect(markdownOf({ msgtype: "m.image", body: "look *here*", filename: "cat [1].png", url: "mxc://example.org/cat" })).toBe(
      "![cat &#91;1&#93;.png](/media/example.org/cat)\n\nlook \\*here\\*",
    );
    expect(markdownOf({ msgtype: "m.image", body: "look", filename: "cat.png", format: "org.matrix.custom.html", formatted_body: "<b>look</b>", url: "mxc://example.org/cat" })).toBe(
      "![cat.png](/media/example.org/cat)\n\n**look**",
    );
  });

  it("serves an EncryptedFile through encryptedMediaUrl, and is unsupported without it or when malformed", () => {
    const file: EncryptedFile = {
      url: "mxc://example.org/FHyPlCeYUSFFxlgbQYZmoEoe",
      v: "v2",
      key: { alg: "A256CTR", ext: true, k: "aWF6-32KGYaC3A_FEUCk1Bt0JA37zP0wrStgmdCaW-0", key_ops: ["encrypt", "decrypt"], kty: "oct" },
      iv: "w+sE15fzSc0AAAAAAAAAAA",
      hashes: { sha256: "fdSLu/YkRx3Wyh3KQabP3rd6+SFiKg5lsJZQHtkSAYA" },
    };
    const seen: EncryptedFile[] = [];
    const withCrypto: ImportContext = { ...context, encryptedMediaUrl: (f) => (seen.push(f), `/media/encrypted/${f.url.slice(6)}`) };
    expect(markdownOf({ msgtype: "m.image", body: "secret.png", file }, withCrypto)).toBe("![secret.png](/media/encrypted/example.org/FHyPlCeYUSFFxlgbQYZmoEoe)");
    expect(seen).toEqual([file]);
    expect(matrixToMessage({ msgtype: "m.image", body: "secret.png", file }, context)).toEqual({ unsupported: "encrypted media" });
    for (const broken of [{ ...file, v: "v1" }, { ...file, url: "https://x" }, { ...file, key: "k" }, { ...file, hashes: {} }, "file", null]) {
      expect(matrixToMessage({ msgtype: "m.file", body: "x", file: broken }, withCrypto)).toEqual({ unsupported: "media without a usable URL" });
    }
  });

  it("is unsupported without a usable mxc URL, or when the media route gives an unsafe one", () => {
    for (const url of ["https://example.org/x.png", "mxc://", "mxc://example.org/", 42, undefined]) {
      expect(matrixToMessage({ msgtype: "m.image", body: "x.png", url }, context)).toEqual({ unsupported: "media without a usable URL" });
    }
    expect(matrixToMessage({ msgtype: "m.image", body: "x.png", url: "mxc://example.org/abc" }, { mediaUrl: () => "javascript:alert(1)" })).toEqual({
      unsupported: "media without a usable URL",
    });
  });
});

describe("matrixToMessage: unsupported", () => {
  it("names what it cannot carry without quoting content", () => {
    expect(matrixToMessage({ msgtype: "m.location", body: "Big Ben, London, UK", geo_uri: "geo:51.5008,0.1247" }, context)).toEqual({ unsupported: "location" });
    expect(matrixToMessage({ msgtype: "m.key.verification.request", body: "x" }, context)).toEqual({ unsupported: "msgtype m.key.verification.request" });
    expect(matrixToMessage({ msgtype: "a\u0000b\n<script>", body: "x" }, context)).toEqual({ unsupported: "msgtype a?b?<script>" });
    for (const content of [{ msgtype: "m.text" }, { msgtype: "m.text", body: 5 }, { msgtype: "m.text", body: ["a"] }, { body: "x" }, { msgtype: 1, body: "x" }, {}]) {
      expect(matrixToMessage(content, context)).toEqual({ unsupported: "not a message" });
    }
    expect(matrixToMessage({ msgtype: "m.text", body: "  \n " }, context)).toEqual({ unsupported: "empty message" });
  });

  it("refuses bodies longer than the platform takes (after escaping) and sources over the input cap", () => {
    expect(matrixToMessage({ msgtype: "m.text", body: "a".repeat(20_000) }, context)).toEqual({ body: "a".repeat(20_000), kind: "text" });
    expect(matrixToMessage({ msgtype: "m.text", body: "*".repeat(10_001) }, context)).toEqual({ unsupported: "too long" });
    expect(matrixToMessage({ msgtype: "m.text", body: "a".repeat(100_001) }, context)).toEqual({ unsupported: "too long" });
    expect(matrixToMessage({ msgtype: "m.text", body: "ab" }, { ...context, maxBodyChars: 1 })).toEqual({ unsupported: "too long" });
  });
});

describe("matrixEditToMessage", () => {
  it("reads an edit's m.new_content like a message, ignoring relations inside it", () => {
    const edit = {
      body: " * Hello! My name is bar",
      msgtype: "m.text",
      "m.new_content": { body: "> Hello! My name is *bar*", msgtype: "m.text", "m.relates_to": { "m.in_reply_to": { event_id: "$x" } } },
      "m.relates_to": { event_id: "$some_event_id", rel_type: "m.replace" },
    };
    expect(matrixEditToMessage(edit["m.new_content"], context)).toEqual({ body: "\\> Hello! My name is \\*bar\\*", kind: "text" });
    expect(matrixEditToMessage({ msgtype: "m.notice", body: "x", format: "org.matrix.custom.html", formatted_body: "<i>x</i>" }, context)).toEqual({ body: "*x*", kind: "notice" });
  });

  it("is unsupported when m.new_content is not an object", () => {
    for (const newContent of [undefined, null, "text", 1, ["a"]]) expect(matrixEditToMessage(newContent, context)).toEqual({ unsupported: "edit without new content" });
  });
});
