import type { Readable } from "node:stream";
import type { MediaRef } from "../media/MediaRef.js";

/** One piece of media, ready to stream. */
export interface MediaDownload {
  /** The Content-Type the homeserver announced, unchecked; absent when it sent none. */
  contentType: string | undefined;
  /** Exactly how many bytes `body` yields when it ends normally; never more than the source's cap. */
  contentLength: number;
  /**
   * The bytes. It errors (and the download stops) when the upstream fails or sends more or
   * fewer bytes than `contentLength`; destroying it stops the download.
   */
  body: Readable;
}

/**
 * Where Mirage's web side gets `mxc://` media. Called once per request to the media route;
 * rejects with a MirageError: `NOT_FOUND` (no such media), `MEDIA_TOO_LARGE` (over the cap,
 * found before any byte is handed out), `HOMESERVER_UNAVAILABLE` (unreachable, timed out,
 * refused or answered with a server error), `INVALID_INPUT` (a malformed reference).
 */
export interface MediaSource {
  fetch(ref: MediaRef, options?: { signal?: AbortSignal }): Promise<MediaDownload>;
}
