import { Readable } from "node:stream";
import type { Logger } from "../log/createLogger.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import { isMediaId, isServerName, type MediaRef } from "../platform/media/MediaRef.js";
import type { MediaDownload, MediaSource } from "../platform/ports/MediaSource.js";
import { readAtMost } from "./readAtMost.js";
import { streamExactly } from "./streamExactly.js";

export const DEFAULT_MEDIA_MAX_BYTES = 25 * 1024 * 1024;
export const DEFAULT_MEDIA_TIMEOUT_MS = 20_000;
const MAX_REDIRECTS = 3;
const ERROR_BODY_LIMIT = 4096;

export interface HomeserverMediaSourceOptions {
  /** The homeserver's client-server API base URL (`homeserver.url`): the only host ever contacted. */
  homeserverUrl: string;
  /** The registration's `as_token`, sent as the bearer token; never logged. */
  accessToken: string;
  logger: Logger;
  /** Largest media served. Default 25 MiB. */
  maxBytes?: number;
  /** Longest wait for the homeserver's answer, and for each next chunk of the body. Default 20 s. */
  timeoutMs?: number;
}

/** Where a download stands, for the watchdog and the error messages. */
interface Attempt {
  controller: AbortController;
  timedOut: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Downloads media through the homeserver's authenticated media API
 * (`GET /_matrix/client/v1/media/download/{serverName}/{mediaId}`) with the appservice's token.
 * Redirects are followed only on the homeserver's own origin.
 */
export class HomeserverMediaSource implements MediaSource {
  private readonly base: string;
  private readonly origin: string;
  private readonly maxBytes: number;
  private readonly timeoutMs: number;
  private readonly log: Logger;

  constructor(private readonly options: HomeserverMediaSourceOptions) {
    this.base = options.homeserverUrl.replace(/\/+$/, "");
    this.origin = new URL(this.base).origin;
    this.maxBytes = options.maxBytes ?? DEFAULT_MEDIA_MAX_BYTES;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS;
    this.log = options.logger.child({ component: "media" });
  }

  async fetch(ref: MediaRef, options: { signal?: AbortSignal } = {}): Promise<MediaDownload> {
    if (!isServerName(ref.server) || !isMediaId(ref.mediaId)) throw new MirageError(ErrorCodes.invalidInput, "Not a Matrix media reference.");
    const attempt: Attempt = { controller: new AbortController(), timedOut: false, timer: undefined };
    const callerAbort = () => attempt.controller.abort(options.signal?.reason);
    const finish = () => {
      this.disarm(attempt);
      options.signal?.removeEventListener("abort", callerAbort);
    };
    if (options.signal?.aborted) callerAbort();
    options.signal?.addEventListener("abort", callerAbort, { once: true });
    this.arm(attempt);
    try {
      const response = await this.request(this.downloadUrl(ref), attempt);
      return await this.accept(response, ref, attempt, finish);
    } catch (error) {
      finish();
      attempt.controller.abort();
      throw this.asMirageError(error, ref, attempt);
    }
  }

  private downloadUrl(ref: MediaRef): URL {
    const url = new URL(`${this.base}/_matrix/client/v1/media/download/${encodeURIComponent(ref.server)}/${encodeURIComponent(ref.mediaId)}`);
    if (url.origin !== this.origin) throw new Error("media URL left the homeserver's origin");
    return url;
  }

  /** The homeserver's final answer, after same-origin redirects. */
  private async request(url: URL, attempt: Attempt): Promise<Response> {
    for (let hop = 0; ; hop++) {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${this.options.accessToken}`, "accept-encoding": "identity" },
        redirect: "manual",
        signal: attempt.controller.signal,
      });
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || location === null) return response;
      await response.body?.cancel().catch(() => undefined);
      const next = new URL(location, url);
      if (next.origin !== this.origin || hop >= MAX_REDIRECTS) {
        throw this.unavailable("The homeserver redirected the download elsewhere; Mirage follows redirects only on the homeserver itself.", {
          upstreamStatus: response.status,
        });
      }
      url = next;
    }
  }

  private async accept(response: Response, ref: MediaRef, attempt: Attempt, finish: () => void): Promise<MediaDownload> {
    if (response.status !== 200 || response.body === null) throw await this.refusal(response, attempt);
    const contentType = response.headers.get("content-type") ?? undefined;
    const encoded = (response.headers.get("content-encoding") ?? "identity").toLowerCase() !== "identity";
    const announced = encoded ? undefined : parseLength(response.headers.get("content-length"));
    if (announced !== undefined) {
      if (announced > this.maxBytes) {
        await response.body.cancel().catch(() => undefined);
        throw this.tooLarge();
      }
      const body = streamExactly(response.body, announced, {
        onWait: () => this.arm(attempt),
        onChunk: () => this.disarm(attempt),
        onClose: finish,
        failure: (cause) => this.asMirageError(cause, ref, attempt),
      });
      this.disarm(attempt);
      return { contentType, contentLength: announced, body };
    }
    // No usable length: read it all (up to the cap) so a failure is still an error answer.
    const read = await readAtMost(response.body, this.maxBytes, () => this.arm(attempt));
    if (read.exceeded) throw this.tooLarge();
    finish();
    return { contentType, contentLength: read.bytes.length, body: Readable.from([read.bytes], { objectMode: false }) };
  }

  /** The error for a non-200 answer, from its status and Matrix `errcode`. */
  private async refusal(response: Response, attempt: Attempt): Promise<MirageError> {
    const errcode = response.body ? await readErrcode(response.body, () => this.arm(attempt)) : undefined;
    const details = { upstreamStatus: response.status, ...(errcode ? { errcode } : {}) };
    if (response.status === 404) return new MirageError(ErrorCodes.notFound, "No such media.", { details });
    if (errcode === "M_TOO_LARGE") return new MirageError(ErrorCodes.mediaTooLarge, "The homeserver does not serve media this large.", { details });
    if (response.status >= 500 || response.status === 429) return this.unavailable("The homeserver could not serve the media right now.", details);
    this.log.warn(details, "the homeserver refused a media download");
    return this.unavailable("The homeserver refused to serve the media.", details);
  }

  private asMirageError(error: unknown, ref: MediaRef, attempt: Attempt): MirageError {
    if (error instanceof MirageError) return error;
    const details = { server: ref.server, mediaId: ref.mediaId };
    if (attempt.timedOut) return this.unavailable("The homeserver did not answer in time.", details, error);
    return this.unavailable("The homeserver could not be reached.", details, error);
  }

  private unavailable(message: string, details: Record<string, unknown>, cause?: unknown): MirageError {
    return new MirageError(ErrorCodes.homeserverUnavailable, message, { details, ...(cause === undefined ? {} : { cause }) });
  }

  private tooLarge(): MirageError {
    return new MirageError(ErrorCodes.mediaTooLarge, `The media is larger than ${this.maxBytes} bytes, the most Mirage serves.`, {
      details: { maxBytes: this.maxBytes },
    });
  }

  /** (Re)starts the watchdog: no answer or no next chunk within the timeout aborts the download. */
  private arm(attempt: Attempt): void {
    this.disarm(attempt);
    attempt.timer = setTimeout(() => {
      attempt.timedOut = true;
      attempt.controller.abort();
    }, this.timeoutMs);
    attempt.timer.unref();
  }

  private disarm(attempt: Attempt): void {
    if (attempt.timer) clearTimeout(attempt.timer);
    attempt.timer = undefined;
  }
}

function parseLength(header: string | null): number | undefined {
  if (header === null || !/^[0-9]{1,15}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

/** The Matrix `errcode` of a small JSON error body, if it has one. */
async function readErrcode(body: ReadableStream<Uint8Array>, onChunk: () => void): Promise<string | undefined> {
  try {
    const read = await readAtMost(body, ERROR_BODY_LIMIT, onChunk);
    if (read.exceeded) return undefined;
    const errcode = (JSON.parse(read.bytes.toString("utf8")) as { errcode?: unknown } | null)?.errcode;
    return typeof errcode === "string" && /^M_[A-Z_]{1,64}$/.test(errcode) ? errcode : undefined;
  } catch {
    return undefined;
  }
}
