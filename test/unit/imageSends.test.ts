import { describe, expect, it } from "vitest";
import { imageSends, imagesByUrl } from "../../src/bridge/convert/imageSends.js";

describe("imagesByUrl", () => {
  it("finds Markdown images and bare image links, in order, each once, at most `max`", () => {
    const md = [
      "![a cat](https://img.example/cat.png) and ![](https://img.example/path/n%C3%A4me.jpg)",
      "bare: https://img.example/dog.WEBP and <https://img.example/x.gif> and https://img.example/page.html",
      "[linked ![inner](https://img.example/inner.png)](https://site.example/)",
      "again ![dup](https://img.example/cat.png)",
      "- list ![li](http://img.example/li.png)",
    ].join("\n\n");
    expect(imagesByUrl(md, 10)).toEqual([
      { url: "https://img.example/cat.png", body: "a cat" },
      { url: "https://img.example/path/n%C3%A4me.jpg", body: "näme.jpg" },
      { url: "https://img.example/dog.WEBP", body: "dog.WEBP" },
      { url: "https://img.example/x.gif", body: "x.gif" },
      { url: "https://img.example/inner.png", body: "inner" },
      { url: "http://img.example/li.png", body: "li" },
    ]);
    expect(imagesByUrl(md, 2).map((i) => i.body)).toEqual(["a cat", "näme.jpg"]);
    expect(imagesByUrl(md, 0)).toEqual([]);
  });

  it("ignores code, other schemes, credentials and plain links", () => {
    const md = "`![c](https://img.example/c.png)`\n\n```\nhttps://img.example/block.png\n```\n\n![x](mxc://t/abc) ![y](javascript:alert(1)) ![z](https://u:p@img.example/z.png) [a link](https://img.example/a.png) \\![esc](https://img.example/e.png)";
    expect(imagesByUrl(md, 10)).toEqual([]);
  });
});

describe("imageSends", () => {
  it("addresses each image like its text", () => {
    const relation = { type: "thread" as const, root: { kind: "message" as const, id: "m1" } };
    expect(imageSends("![a](https://img.example/a.png)", { sender: "@mirage_a:t", room: { kind: "blog", id: "a" }, relation }, 4)).toEqual([
      { op: "sendImage", sender: "@mirage_a:t", room: { kind: "blog", id: "a" }, url: "https://img.example/a.png", body: "a", relation },
    ]);
  });
});
