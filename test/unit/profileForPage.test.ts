import { describe, expect, it } from "vitest";
import { sanitizeProfileCss } from "../../src/platform/render/sanitizeProfileCss.js";
import { sanitizeProfileHtml } from "../../src/platform/render/sanitizeProfileHtml.js";
import { profileForPage } from "../../src/web/pages/profileForPage.js";

const proxy = (url: string) => `/media/external/sig?url=${encodeURIComponent(url)}`;
const page = (html: string, css = "") => profileForPage(sanitizeProfileHtml(html), sanitizeProfileCss(css), proxy);

describe("profileForPage", () => {
  it("moves style attributes into the stylesheet, important so they still beat the owner's rules", () => {
    const out = page(`<p style="color: red; position: fixed">a</p><span style="font-weight:bold">b</span><i style="position:fixed">c</i>`, "p{color:blue}");
    expect(out.html).not.toContain("style=");
    expect(out.html).toBe(`<p data-mps="0">a</p><span data-mps="1">b</span><i>c</i>`);
    expect(out.css).toContain(`.mirage-profile [data-mps="0"]{color:red !important}`);
    expect(out.css).toContain(`.mirage-profile [data-mps="1"]{font-weight:bold !important}`);
    expect(out.css).toContain(".mirage-profile p{color:blue}");
    expect(out.css).not.toContain("fixed");
  });

  it("does not let the owner's HTML pick a style slot of its own", () => {
    const out = profileForPage(`<p data-mps="0">x</p>`, "", proxy);
    expect(out.html).toBe("<p>x</p>");
  });

  it("loads images and CSS backgrounds through the proxy, never from their host", () => {
    const out = page(
      `<img src="https://evil.example/a.png?x=1&y=2" alt="a"><div style="background-image:url(https://evil.example/s.png)">x</div>`,
      `div{background-image:url("https://evil.example/b.png")}`,
    );
    expect(out.html).toContain(`src="/media/external/sig?url=${encodeURIComponent("https://evil.example/a.png?x=1&y=2").replace(/&/g, "&amp;")}"`);
    expect(out.css).toContain(encodeURIComponent("https://evil.example/b.png"));
    expect(out.css).toContain(encodeURIComponent("https://evil.example/s.png"));
    expect(`${out.html}${out.css}`).not.toMatch(/["(]https:\/\/evil/);
  });

  it("keeps the container rule first and adds nothing for a profile without styles", () => {
    const out = page("<p>plain</p>", "");
    expect(out.html).toBe("<p>plain</p>");
    expect(out.css).toBe(sanitizeProfileCss(""));
  });
});
