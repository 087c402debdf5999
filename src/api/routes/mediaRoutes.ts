import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type MediaRef, MEDIA_ID_MAX_LENGTH, MEDIA_ID_PATTERN, parseMediaRef, SERVER_NAME_MAX_LENGTH, SERVER_NAME_PATTERN } from "../../platform/media/MediaRef.js";
import type { ImageImports } from "../../platform/ports/ImageImports.js";
import { externalImageSignatureMatches } from "../../platform/render/externalImageUrl.js";
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
  /**
   * `GET /media/external/{signature}?url=…`: images by URL that Mirage's pages show, served from
   * Mirage's uploaded copy (imported on first request). Absent: no such route.
   */
  external?: { key: string; images: ImageImports };
}

const ExternalParams = Type.Object(
  { signature: Type.String({ pattern: "^[A-Za-z0-9_-]{43}$", description: "The link's signature: Mirage serves only links its own pages carry." }) },
  { additionalProperties: false },
);
const ExternalQuery = Type.Object(
  { url: Type.String({ minLength: 1, maxLength: 2048, pattern: "^https?://", description: "The image's URL, as the page's Markdown gave it." }) },
  { additionalProperties: false },
);

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
      return serve(request, reply, ref);
    },
  );

  const external = opts.external;
  if (!external) return;
  app.get<{ Params: { signature: string }; Querystring: { url: string } }>(
    "/media/external/:signature",
    {
      exposeHeadRoute: false,
      errorHandler: mediaErrorHandler,
      config: { rateLimit: { max: opts.perMinutePerIp ?? DEFAULT_MEDIA_PER_MINUTE_PER_IP, timeWindow: "1 minute" } },
      schema: {
        summary: "An image by URL that a page shows, served from Mirage's copy",
        description:
          "Pages never point browsers at an image's own host: Mirage fetches the image once (https, public addresses only, " +
          "raster types only, size and time limits), uploads it to the homeserver and serves that copy. Only links Mirage's own " +
          "pages carry are served (the signature); an image that cannot be fetched answers 404, so the page shows its alt text.",
        tags: ["media"],
        params: ExternalParams,
        querystring: ExternalQuery,
        response: {
          200: { description: "The image's bytes.", content: mediaContent },
          206: { description: "The range asked for (Content-Range says which).", content: mediaContent },
          416: { description: "The range starts past the end (Content-Range: bytes */<length>).", type: "null" },
          ...errorResponses(400, 404, 429, 502, 503),
        },
      },
    },
    async (request, reply) => {
      reply.headers(MEDIA_SAFETY_HEADERS);
      const { url } = request.query;
      if (!externalImageSignatureMatches(external.key, url, request.params.signature)) throw new MirageError(ErrorCodes.notFound, "No such image.");
      const outcome = await external.images.imported(url).catch((error: unknown) => {
        // The image was fetched but the homeserver did not take the upload (or the store failed): try later.
        request.log.warn({ err: error }, "image import failed");
        throw new MirageError(ErrorCodes.homeserverUnavailable, "The image cannot be served right now.");
      });
      if ("refused" in outcome) throw new MirageError(ErrorCodes.notFound, "The image is not available.");
      const mxc = outcome.image.mxc.slice("mxc://".length);
      const slash = mxc.indexOf("/");
      return serve(request, reply, parseMediaRef(mxc.slice(0, slash), mxc.slice(slash + 1)));
    },
  );

  /** Streams one piece of Matrix media (see `serveMedia`). */
  function serve(request: FastifyRequest, reply: FastifyReply, ref: MediaRef) {
    return serveMedia(
      request,
      reply,
      (signal) => opts.source.fetch(ref, { signal }),
      (download) => mediaResponseHeaders(download.contentType, download.contentLength, cacheMaxAge),
    );
  }
}
