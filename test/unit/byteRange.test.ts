import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseByteRange, sliceStream } from "../../src/api/byteRange.js";

describe("parseByteRange", () => {
  it.each([
    ["bytes=0-9", 100, { start: 0, end: 9 }],
    ["bytes=90-", 100, { start: 90, end: 99 }],
    ["bytes=90-500", 100, { start: 90, end: 99 }],
    ["bytes=-10", 100, { start: 90, end: 99 }],
    ["bytes=-500", 100, { start: 0, end: 99 }],
    [" bytes=5-5 ", 100, { start: 5, end: 5 }],
    ["bytes=100-", 100, "unsatisfiable"],
    ["bytes=200-300", 100, "unsatisfiable"],
    ["bytes=-0", 100, "unsatisfiable"],
    [undefined, 100, undefined],
    ["bytes=0-1,5-6", 100, undefined],
    ["bytes=9-2", 100, undefined],
    ["bytes=-", 100, undefined],
    ["items=0-1", 100, undefined],
    ["bytes=0-9", 0, undefined],
    ["bytes=1e3-", 100, undefined],
  ] as const)("%s of %i bytes → %j", (header, total, expected) => {
    expect(parseByteRange(header, total)).toEqual(expected);
  });
});

describe("sliceStream", () => {
  it("cuts a range across chunk boundaries and stops reading once it is complete", async () => {
    let pulled = 0;
    const source = new Readable({
      highWaterMark: 10,
      read() {
        pulled++;
        this.push(pulled > 100 ? null : Buffer.from("0123456789"));
      },
    });
    const out: Buffer[] = [];
    for await (const chunk of sliceStream(source, { start: 8, end: 21 })) out.push(chunk as Buffer);
    expect(Buffer.concat(out).toString()).toBe("89012345678901");
    expect(source.destroyed).toBe(true);
    expect(pulled).toBeLessThan(10);
  });
});
