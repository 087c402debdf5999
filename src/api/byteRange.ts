import { Readable } from "node:stream";

/** An inclusive byte range of a body of known length. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The one range a `Range` header asks of a body of `total` bytes (RFC 9110 §14.1.2):
 * undefined to serve the whole body (no header, not bytes, several ranges, or malformed — all
 * allowed to be ignored), "unsatisfiable" when it starts at or past the end.
 */
export function parseByteRange(header: string | undefined, total: number): ByteRange | "unsatisfiable" | undefined {
  const match = header === undefined ? null : /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  // An empty body has no ranges to give; serving it whole is always allowed.
  if (!match || (match[1] === "" && match[2] === "") || total === 0) return undefined;
  if (match[1] === "") {
    // A suffix: the last N bytes.
    const length = Number(match[2]);
    if (length === 0) return "unsatisfiable";
    return { start: Math.max(0, total - length), end: total - 1 };
  }
  const start = Number(match[1]);
  if (match[2] !== "" && Number(match[2]) < start) return undefined;
  if (start >= total) return "unsatisfiable";
  return { start, end: match[2] === "" ? total - 1 : Math.min(Number(match[2]), total - 1) };
}

/**
 * The part of `body` inside `range`: bytes before it are read and dropped (the homeserver cannot
 * serve ranges), and once the range is complete the rest of the download is cancelled.
 */
export function sliceStream(body: Readable, range: ByteRange): Readable {
  async function* slice(): AsyncGenerator<Buffer> {
    let offset = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        const from = Math.max(range.start - offset, 0);
        const to = Math.min(range.end + 1 - offset, chunk.length);
        offset += chunk.length;
        if (to > from) yield chunk.subarray(from, to);
        if (offset > range.end) return;
      }
    } finally {
      body.destroy();
    }
  }
  return Readable.from(slice(), { objectMode: false });
}
