/** The raster types Mirage fetches by URL (no SVG: it can carry script). */
export type RasterType = "image/png" | "image/jpeg" | "image/gif" | "image/webp";

export interface ImageHeader {
  mimetype: RasterType;
  width: number;
  height: number;
}

/** Bytes needed to tell the type apart (the longest signature is WebP's 12). */
export const SNIFF_BYTES = 12;
/** JPEG segments walked before giving up on finding the frame header. */
const MAX_JPEG_SEGMENTS = 256;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const ascii = (bytes: Buffer, start: number, end: number) => bytes.subarray(start, end).toString("latin1");

/** The raster type the first bytes announce, whatever the server declared; undefined for anything else. */
export function sniffImageType(bytes: Buffer): RasterType | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return "image/png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes.length >= 6 && (ascii(bytes, 0, 6) === "GIF87a" || ascii(bytes, 0, 6) === "GIF89a")) return "image/gif";
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") return "image/webp";
  return undefined;
}

/**
 * Type and pixel size from the image's header alone (nothing is decoded): PNG's IHDR, GIF's
 * logical screen, WebP's VP8/VP8L/VP8X header, JPEG's first frame header (SOFn) found by walking
 * at most `MAX_JPEG_SEGMENTS` segments. Undefined for an unknown type, a truncated or inconsistent
 * header, or a zero size. Every read is bounds-checked, so hostile input only yields undefined.
 */
export function readImageHeader(bytes: Buffer): ImageHeader | undefined {
  const mimetype = sniffImageType(bytes);
  if (mimetype === undefined) return undefined;
  const size = dimensions(bytes, mimetype);
  if (size === undefined || size.width < 1 || size.height < 1) return undefined;
  return { mimetype, ...size };
}

function dimensions(bytes: Buffer, type: RasterType): { width: number; height: number } | undefined {
  switch (type) {
    case "image/png":
      if (bytes.length < 24 || ascii(bytes, 12, 16) !== "IHDR") return undefined;
      return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
    case "image/gif":
      if (bytes.length < 10) return undefined;
      return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
    case "image/webp":
      return webpDimensions(bytes);
    case "image/jpeg":
      return jpegDimensions(bytes);
  }
}

function webpDimensions(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 30) return undefined;
  switch (ascii(bytes, 12, 16)) {
    case "VP8 ":
      // Key frame: 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height.
      if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return undefined;
      return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
    case "VP8L": {
      if (bytes[20] !== 0x2f) return undefined;
      const bits = bytes.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    case "VP8X":
      return { width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 };
    default:
      return undefined;
  }
}

/** Start-of-frame markers that carry the size (C4 DHT, C8 JPG and CC DAC are not frames). */
const isFrameMarker = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

function jpegDimensions(bytes: Buffer): { width: number; height: number } | undefined {
  let at = 2;
  for (let segments = 0; segments < MAX_JPEG_SEGMENTS; segments++) {
    if (bytes[at] !== 0xff) return undefined;
    // Fill bytes before a marker.
    while (bytes[at + 1] === 0xff) at++;
    if (at + 4 > bytes.length) return undefined;
    const marker = bytes[at + 1]!;
    // Markers without a length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    // End of image or start of scan before any frame header: there is no size to read.
    if (marker === 0xd9 || marker === 0xda) return undefined;
    const length = bytes.readUInt16BE(at + 2);
    if (length < 2) return undefined;
    if (isFrameMarker(marker)) {
      if (length < 7 || at + 9 > bytes.length) return undefined;
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    at += 2 + length;
  }
  return undefined;
}
