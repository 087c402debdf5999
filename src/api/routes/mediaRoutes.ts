import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { MEDIA_ID_MAX_LENGTH, MEDIA_ID_PATTERN, parseMediaRef, SERVER_NAME_MAX_LENGTH, SERVER_NAME_PATTERN } from "../../platform/media/MediaRef.js";
import { ErrorCodes, MirageError } from "../../platform/errors/MirageError.js";
import type { MediaSource } from "../../platform/ports/MediaSource.js";
import { mediaErrorHandler, serveMedia } from "../serveMedia.js";
import { MEDIA_SAFETY_HEADERS, mediaResponseHeaders } from "../mediaResponseHeaders.js";
import { errorResponses } from "../schemas/common.js";

export const DEFAULT_MEDIA_PER_MINUTE_PER_IP = 600;
/** Matrix media never changes, but may be removed (redaction, quarantine): a day bounds how long caches keep it. */
export const DEFAULT_MEDIA_CACHE_MAX_AGE_SECONDS = 86_400;

export interface MediaRoutesOptions {
  source: MediaSource;
  /** Requests allowed per client IP per minute. Default 600. */
  perMinutePerIp?: number;
  /** `Cache-Control: max-age` of media answers. Default one day. */
  cacheMaxAgeSeconds?: number;
  /** Whether media from that server is served; others get 403. Default: all. */
  serves?: (server: string) => boolean;
}

const MediaParams = Type.Object(
  {
    server: Type.String({
      minLength: 1,
      maxLength: SERVER_NAME_MAX_LENGTH,
      pattern: SERVER_NAME_PATTERN,
      description: "The server name of the `mxc://` URI (host name, IPv4 or bracketed IPv6, optional port).",
    }),
    mediaId: Type.String({ minLength: 1, maxLength: MEDIA_ID_MAX_LENGTH, pattern: MEDIA_ID_PATTERN, description: "The media id of the `mxc://` URI." }),
  },
  { additionalProperties: false },
);

const binary = { schema: { type: "string", format: "binary" } };
const mediaContent = { "image/*": binary, "audio/*": binary, "video/*": binary, "application/octet-stream": binary };

/** `GET /media/{server}/{mediaId}`: Matrix media for web pages, as `mxc://server/mediaId` images are rewritten to. */
export async function mediaRoutes(app: FastifyInstance, opts: MediaRoutesOptions): Promise<void> {
  const cacheMaxAge = opts.cacheMaxAgeSeconds ?? DEFAULT_MEDIA_CACHE_MAX_AGE_SECONDS;
  app.get<{ Params: { server: string; mediaId: string } }>(
    "/media/:server/:mediaId",
    {
      exposeHeadRoute: false,
      errorHandler: mediaErrorHandler,
      config: { rateLimit: { max: opts.perMinutePerIp ?? DEFAULT_MEDIA_PER_MINUTE_PER_IP, timeWindow: "1 minute" } },
      schema: {
        summary: "Matrix media (mxc://server/mediaId), downloaded from the homeserver",
        description:
          "Images, audio and video keep their type and render inline; any other type is served as an " +
          "application/octet-stream attachment. Always with `X-Content-Type-Options: nosniff` and a sandboxing CSP. " +
          "One `Range: bytes=…` is honoured (206), so players can seek; several ranges, or any `If-Range`, get the whole body.",
        tags: ["media"],
        params: MediaParams,
        response: {
          200: { description: "The media's bytes.", content: mediaContent },
          206: { description: "The range asked for (Content-Range says which).", content: mediaContent },
          416: { description: "The range starts past the end (Content-Range: bytes */<length>).", type: "null" },
          ...errorResponses(400, 403, 404, 429, 502, 503),
        },
      },
    },
    async (request, reply) => {
      reply.headers(MEDIA_SAFETY_HEADERS);
      const ref = parseMediaRef(request.params.server, request.params.mediaId);
      if (opts.serves && !opts.serves(ref.server)) throw new MirageError(ErrorCodes.forbidden, "Media from that server is not served here.");
      return serveMedia(
        request,
        reply,
        (signal) => opts.source.fetch(ref, { signal }),
        (download) => mediaResponseHeaders(download.contentType, download.contentLength, cacheMaxAge),
      );
    },
  );
}
