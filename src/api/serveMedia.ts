import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ErrorCodes } from "../platform/errors/MirageError.js";
import type { MediaDownload } from "../platform/ports/MediaSource.js";
import { parseByteRange, sliceStream } from "./byteRange.js";
import { errorHandler } from "./errorHandler.js";
import { MEDIA_SAFETY_HEADERS } from "./mediaResponseHeaders.js";

const MEDIA_ONLY_HEADERS = ["cache-control", "content-disposition", "cross-origin-resource-policy"];

/** A media route's error handler: a body that fails before its first byte is answered as an error, without the media's headers. */
export function mediaErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  for (const name of MEDIA_ONLY_HEADERS) reply.removeHeader(name);
  return errorHandler(error, request, reply);
}

/**
 * Answers a media request with what `open` downloads: the safety headers always, `headersFor`'s
 * once the download is there, one `Range: bytes=…` honoured (206, or 416 past the end), several
 * ranges or any `If-Range` answered whole. The download stops when the reader leaves.
 */
export async function serveMedia(
  request: FastifyRequest,
  reply: FastifyReply,
  open: (signal: AbortSignal) => Promise<MediaDownload>,
  headersFor: (download: MediaDownload) => Record<string, string>,
): Promise<FastifyReply> {
  reply.headers(MEDIA_SAFETY_HEADERS);
  const controller = new AbortController();
  const onClose = () => controller.abort();
  reply.raw.once("close", onClose);
  try {
    const download = await open(controller.signal);
    const total = download.contentLength;
    reply.headers(headersFor(download));
    const range = request.headers["if-range"] === undefined ? parseByteRange(request.headers.range, total) : undefined;
    if (range === "unsatisfiable") {
      download.body.destroy();
      return reply.code(416).header("content-range", `bytes */${total}`).header("content-length", "0").send();
    }
    if (range === undefined) return reply.send(download.body);
    return reply
      .code(206)
      .header("content-range", `bytes ${range.start}-${range.end}/${total}`)
      .header("content-length", String(range.end - range.start + 1))
      .send(sliceStream(download.body, range));
  } catch (error) {
    // The reader left (closed the tab, scrolled past): nobody to answer, nothing went wrong.
    if (!controller.signal.aborted) throw error;
    request.log.debug("media download dropped: the client went away");
    for (const name of MEDIA_ONLY_HEADERS) reply.removeHeader(name);
    return reply.code(503).send({ error: { code: ErrorCodes.homeserverUnavailable, message: "The client went away." } });
  } finally {
    reply.raw.off("close", onClose);
  }
}
