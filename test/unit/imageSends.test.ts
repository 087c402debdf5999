import { describe, expect, it } from "vitest";
import { imageRedactions, imageRef } from "../../src/bridge/convert/imageRefs.js";
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

  it("names each image by its owner and index, as the owner's deletion redacts them: up to the same maximum", () => {
    const owner = { kind: "comment" as const, id: "c_1" };
    const room = { kind: "blog" as const, id: "a" };
    const sends = imageSends("![a](https://img.example/a.png) https://img.example/b.gif", { sender: "@mirage_a:t", room, owner }, 4);
    expect(sends.map((op) => op.ref)).toEqual([
      { kind: "event", id: "comment:c_1#image-0" },
      { kind: "event", id: "comment:c_1#image-1" },
    ]);
    const redactions = imageRedactions(owner, { sender: "@mirage_a:t", room }, 4);
    expect(redactions).toHaveLength(4);
    expect(redactions.slice(0, 2).map((op) => op.op === "redact" && op.target)).toEqual(sends.map((op) => op.ref));
    expect(imageRef({ kind: "message", id: "m_1" }, 3)).toEqual({ kind: "event", id: "message:m_1#image-3" });
    // Imported events are mapped under their Matrix event ID; an image's ID is never one.
    expect(imageRef(owner, 0).id.startsWith("$")).toBe(false);
  });
});
