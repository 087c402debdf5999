import { Readable } from "node:stream";

export interface StreamExactlyOptions {
  /** Runs before each wait for the next chunk, so a watchdog times the upstream, not the consumer. */
  onWait(): void;
  /** Runs after every chunk. */
  onChunk(): void;
  /** Runs once when the stream ends, fails or is destroyed by its consumer. */
  onClose(): void;
  /** The error to destroy the stream with when the byte count is wrong or reading fails. */
  failure(cause: unknown): Error;
}

/**
 * A Node stream over a web stream that must carry exactly `length` bytes: more, or an end
 * before `length`, destroys it with an error instead of passing on a wrong body. Destroying
 * the Node stream cancels the web stream.
 */
export function streamExactly(body: ReadableStream<Uint8Array>, length: number, options: StreamExactlyOptions): Readable {
  const reader = body.getReader();
  let received = 0;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    options.onClose();
  };
  return new Readable({
    async read() {
      try {
        options.onWait();
        const { done, value } = await reader.read();
        options.onChunk();
        if (done) {
          if (received !== length) throw new Error(`body ended after ${received} of ${length} bytes`);
          close();
          this.push(null);
          return;
        }
        received += value.byteLength;
        if (received > length) throw new Error(`body is longer than the announced ${length} bytes`);
        this.push(value);
      } catch (error) {
        this.destroy(options.failure(error));
      }
    },
    destroy(error, callback) {
      close();
      reader.cancel().catch(() => undefined);
      callback(error);
    },
  });
}
