import { availableParallelism } from "node:os";
import { MessageChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import type { Logger } from "../log/createLogger.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import { mediaUrlUnder, type RunRenderTask } from "../platform/render/createMarkdownRenderer.js";
import { externalImageUrlUnder } from "../platform/render/externalImageUrl.js";
import { renderDocument, type RenderTask } from "../platform/render/renderDocument.js";
import type { RenderJob, RenderOutcome } from "./renderJob.js";

export interface RenderPoolOptions {
  /** Render threads; 0: one less than the CPU count (at least 1, at most 4). */
  threads: number;
  /** Documents that may wait for a thread; past it `OVERLOADED`. */
  maxQueue: number;
  /** Longest a thread may work on one document, counted from when it starts on it. */
  documentTimeLimitMs: number;
  /** Shorter documents are rendered on the calling thread. */
  inlineBelowChars: number;
  /** Base of `/media/…` links in web HTML. */
  publicUrl: string;
  /** Signs external image links (`/media/external/…`) in web HTML; absent, such images are only linked. */
  externalImageKey?: string;
  /** The thread's module (default: `renderWorker`) and extra `workerData` for it; tests substitute one. */
  workerUrl?: URL;
  workerData?: Record<string, unknown>;
  /** Told about refused documents (their kind and size, never their text). */
  logger?: Logger;
}

// Under vitest/tsx this module is TypeScript and so is its worker, which then needs tsx's loader;
// built, both are plain JavaScript in dist/.
const RUNNING_TS = import.meta.url.endsWith(".ts");
const DEFAULT_WORKER = new URL(RUNNING_TS ? "./renderWorker.ts" : "./renderWorker.js", import.meta.url);

/**
 * Renders documents on a small pool of worker threads so that Markdown and profile sanitizing never
 * stall the event loop. The queue is bounded (`OVERLOADED`, 503 with Retry-After, past it) and
 * each document has a time limit: past it the document is refused (`CONTENT_TOO_COMPLEX`) and its
 * thread is terminated and replaced, so it stops burning CPU.
 */
export class RenderPool {
  private readonly pool: Piscina<RenderJob, RenderOutcome>;
  private readonly inline: (task: RenderTask) => string;
  private closed = false;
  private handedOff = 0;

  constructor(private readonly options: RenderPoolOptions) {
    const threads = options.threads > 0 ? options.threads : Math.min(4, Math.max(1, availableParallelism() - 1));
    const workerUrl = options.workerUrl ?? DEFAULT_WORKER;
    this.pool = new Piscina<RenderJob, RenderOutcome>({
      filename: workerUrl.href,
      minThreads: threads,
      maxThreads: threads,
      maxQueue: options.maxQueue,
      idleTimeout: Infinity,
      workerData: { ...options.workerData, publicUrl: options.publicUrl, externalImageKey: options.externalImageKey },
      ...(workerUrl.pathname.endsWith(".ts") ? { execArgv: withTsx(process.execArgv) } : {}),
    });
    const mediaUrl = mediaUrlUnder(options.publicUrl);
    const external = options.externalImageKey === undefined ? undefined : externalImageUrlUnder(options.publicUrl, options.externalImageKey);
    this.inline = (task) => renderDocument(task, mediaUrl, external);
  }

  /** Number of render threads. */
  get threads(): number {
    return this.pool.threads.length;
  }

  /** Documents handed to the threads and not yet answered (queued or rendering). */
  get rendering(): number {
    return this.handedOff;
  }

  /** The pool as the renderer port's runner. */
  readonly run: RunRenderTask = (task) => this.render(task);

  async render(task: RenderTask): Promise<string> {
    if (this.closed) throw new MirageError(ErrorCodes.overloaded, "the server is shutting down", { details: { retryAfterSeconds: 5 } });
    if (task.text.length < this.options.inlineBelowChars) return this.inline(task);
    if (this.pool.queueSize >= this.options.maxQueue) {
      this.options.logger?.warn({ kind: task.kind, chars: task.text.length, maxQueue: this.options.maxQueue }, "render queue full; document refused");
      throw busy();
    }
    const outcome = await this.runTimed(task);
    if ("html" in outcome) return outcome.html;
    throw new MirageError(outcome.error.code, outcome.error.message, outcome.error.details ? { details: outcome.error.details } : undefined);
  }

  /** Stops the threads; documents still queued or running are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.pool.destroy();
  }

  private async runTimed(task: RenderTask): Promise<RenderOutcome> {
    const { port1, port2 } = new MessageChannel();
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    this.handedOff++;
    port1.once("message", () => {
      timer = setTimeout(() => abort.abort(), this.options.documentTimeLimitMs);
    });
    try {
      return await this.pool.run({ task, started: port2 }, { transferList: [port2], signal: abort.signal });
    } catch (error) {
      if (abort.signal.aborted) {
        this.options.logger?.warn({ kind: task.kind, chars: task.text.length, timeLimitMs: this.options.documentTimeLimitMs }, "document over the render time limit; its thread was replaced");
        throw new MirageError(ErrorCodes.contentTooComplex, "this text takes too long to render; simplify its formatting", {
          details: { timeLimitMs: this.options.documentTimeLimitMs },
        });
      }
      if (error instanceof Error && error.message === "Task queue is at limit") throw busy();
      if (this.closed) throw new MirageError(ErrorCodes.overloaded, "the server is shutting down", { details: { retryAfterSeconds: 5 } });
      throw error;
    } finally {
      this.handedOff--;
      clearTimeout(timer);
      port1.close();
    }
  }
}

/** The process's Node options plus tsx's loader, unless it is there already (`node --import tsx …`). */
function withTsx(execArgv: readonly string[]): string[] {
  const hasTsx = execArgv.some((arg, i) => arg === "--import=tsx" || (arg === "--import" && execArgv[i + 1] === "tsx"));
  return hasTsx ? [...execArgv] : [...execArgv, "--import", "tsx"];
}

function busy(): MirageError {
  return new MirageError(ErrorCodes.overloaded, "too many documents are being rendered; try again shortly", { details: { retryAfterSeconds: 1 } });
}
