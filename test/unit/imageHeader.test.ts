import { describe, expect, it } from "vitest";
import { readImageHeader, sniffImageType } from "../../src/http/imageHeader.js";

const u16be = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u16le = (n: number) => Buffer.from([n & 0xff, n >> 8]);
const u24le = (n: number) => Buffer.from([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff]);
const u32be = (n: number) => Buffer.from([n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const u32le = (n: number) => Buffer.from([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24]);
const latin1 = (s: string) => Buffer.from(s, "latin1");

function png(width: number, height: number): Buffer {
  const ihdr = Buffer.concat([u32be(13), latin1("IHDR"), u32be(width), u32be(height), Buffer.from([8, 6, 0, 0, 0]), u32be(0)]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, u32be(0), latin1("IEND"), u32be(0)]);
}

function gif(width: number, height: number): Buffer {
  return Buffer.concat([latin1("GIF89a"), u16le(width), u16le(height), Buffer.from([0, 0, 0]), latin1(";")]);
}

/** A JPEG with an APP0, an EXIF-sized APP1, a quantization table, fill bytes and then the frame header. */
function jpeg(width: number, height: number, frameMarker = 0xc0): Buffer {
  const segment = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker]), u16be(body.length + 2), body]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.concat([latin1("JFIF\0"), Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0])])),
    segment(0xe1, Buffer.alloc(3000, 0xff)),
    segment(0xdb, Buffer.alloc(65)),
    Buffer.from([0xff, 0xff]), // fill byte before the next marker
    segment(frameMarker, Buffer.concat([Buffer.from([8]), u16be(height), u16be(width), Buffer.from([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1])])),
    segment(0xda, Buffer.alloc(10)),
    Buffer.from([0xff, 0xd9]),
  ]);
}

const riff = (chunk: string, body: Buffer) => Buffer.concat([latin1("RIFF"), u32le(body.length + 12), latin1("WEBP"), latin1(chunk), u32le(body.length), body]);
const webpLossy = (width: number, height: number) => riff("VP8 ", Buffer.concat([Buffer.from([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a]), u16le(width), u16le(height), Buffer.alloc(8)]));
const webpLossless = (width: number, height: number) => {
  const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
  return riff("VP8L", Buffer.concat([Buffer.from([0x2f]), u32le(bits >>> 0), Buffer.alloc(8)]));
};
const webpExtended = (width: number, height: number) => riff("VP8X", Buffer.concat([Buffer.from([0x10, 0, 0, 0]), u24le(width - 1), u24le(height - 1), Buffer.alloc(8)]));

const SAMPLES: [string, Buffer, string][] = [
  ["png", png(640, 480), "image/png"],
  ["gif", gif(321, 123), "image/gif"],
  ["jpeg (baseline)", jpeg(1920, 1080), "image/jpeg"],
  ["jpeg (progressive)", jpeg(7, 5, 0xc2), "image/jpeg"],
  ["webp lossy", webpLossy(300, 200), "image/webp"],
  ["webp lossless", webpLossless(17, 9000), "image/webp"],
  ["webp extended", webpExtended(16_000, 3), "image/webp"],
];
const SIZES: Record<string, [number, number]> = {
  png: [640, 480],
  gif: [321, 123],
  "jpeg (baseline)": [1920, 1080],
  "jpeg (progressive)": [7, 5],
  "webp lossy": [300, 200],
  "webp lossless": [17, 9000],
  "webp extended": [16_000, 3],
};

describe("readImageHeader", () => {
  it("reads the type and pixel size of each raster format from its header", () => {
    for (const [name, bytes, mimetype] of SAMPLES) {
      const [width, height] = SIZES[name]!;
      expect(readImageHeader(bytes), name).toEqual({ mimetype, width, height });
    }
  });

  it("answers undefined, never throws, for every truncation of every format", () => {
    for (const [name, bytes] of SAMPLES) {
      const needed = name.startsWith("jpeg") ? bytes.indexOf(Buffer.from([0xff, 0xc0 + (name.includes("progressive") ? 2 : 0)])) + 9 : name === "gif" ? 10 : name === "png" ? 24 : 30;
      for (let length = 0; length < needed; length++) expect(readImageHeader(bytes.subarray(0, length)), `${name} cut at ${length}`).toBeUndefined();
      expect(readImageHeader(bytes.subarray(0, needed)), `${name} complete header`).toBeDefined();
    }
  });

  it("refuses hostile and inconsistent headers", () => {
    expect(readImageHeader(png(0, 10))).toBeUndefined();
    expect(readImageHeader(gif(10, 0))).toBeUndefined();
    expect(readImageHeader(jpeg(0, 10))).toBeUndefined();
    // PNG whose first chunk is not IHDR.
    const noIhdr = png(5, 5);
    noIhdr.write("IDAT", 12, "latin1");
    expect(readImageHeader(noIhdr)).toBeUndefined();
    // JPEG: a segment length below 2 (would never advance), garbage instead of a marker, scan before any frame.
    expect(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00]))).toBeUndefined();
    expect(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78]))).toBeUndefined();
    expect(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0xc0, 0, 17, 8, 0, 5, 0, 7]))).toBeUndefined();
    // JPEG: a segment length pointing far past the end.
    expect(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0, 0, 0, 0]))).toBeUndefined();
    // JPEG: thousands of empty restart markers before the frame are not walked forever.
    const restarts = Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(20_000, Buffer.from([0xff, 0xd0])), jpeg(4, 4).subarray(2)]);
    expect(readImageHeader(restarts)).toBeUndefined();
    // A frame header too short to hold the size.
    expect(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x04, 0x08, 0x00, 0x05, 0x00, 0x07]))).toBeUndefined();
    // WebP: wrong VP8 start code, wrong VP8L signature, unknown chunk.
    const lossy = webpLossy(3, 3);
    lossy[23] = 0;
    expect(readImageHeader(lossy)).toBeUndefined();
    const lossless = webpLossless(3, 3);
    lossless[20] = 0;
    expect(readImageHeader(lossless)).toBeUndefined();
    expect(readImageHeader(riff("ALPH", Buffer.alloc(20)))).toBeUndefined();
  });

  it("sniffs only the four raster types: not SVG, HTML, BMP or TIFF, whatever they claim", () => {
    expect(sniffImageType(latin1('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(sniffImageType(latin1("<!doctype html><html>"))).toBeUndefined();
    expect(sniffImageType(latin1("BM\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"))).toBeUndefined();
    expect(sniffImageType(Buffer.from([0x49, 0x49, 0x2a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined();
    expect(sniffImageType(latin1("GIF8"))).toBeUndefined();
    expect(sniffImageType(latin1("RIFF\0\0\0\0WAVE"))).toBeUndefined();
  });

  it("never throws on random bytes behind each signature", () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff);
    for (const [, sample] of SAMPLES) {
      for (let round = 0; round < 300; round++) {
        const bytes = Buffer.from(sample);
        for (let i = 4; i < bytes.length; i++) if (random() < 24) bytes[i] = random();
        const cut = bytes.subarray(0, random() * 4 + (round % bytes.length));
        expect(() => readImageHeader(cut)).not.toThrow();
      }
    }
  });
});
