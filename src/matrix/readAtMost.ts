/** What {@link readAtMost} read: all of the body, or the fact that it was longer than the limit. */
export type ReadAtMostResult = { bytes: Buffer; exceeded: false } | { bytes: undefined; exceeded: true };

/**
 * Reads a whole web stream into memory unless it is longer than `limit` bytes, in which case
 * it stops reading at once and cancels the stream. `onChunk` runs after every chunk (a
 * watchdog uses it to tell a slow body from a stalled one). Read errors propagate.
 */
export async function readAtMost(body: ReadableStream<Uint8Array>, limit: number, onChunk: () => void = () => undefined): Promise<ReadAtMostResult> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes: Buffer.concat(chunks, total), exceeded: false };
      total += value.byteLength;
      if (total > limit) {
        void reader.cancel().catch(() => undefined);
        return { bytes: undefined, exceeded: true };
      }
      chunks.push(value);
      onChunk();
    }
  } finally {
    reader.releaseLock();
  }
}
