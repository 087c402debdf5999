import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AccountService } from "../../platform/accounts/AccountService.js";
import { people } from "../../platform/people/people.js";
import { ENCRYPTED_MEDIA_ID_PATTERN, type EncryptedMediaReader } from "../../platform/ports/EncryptedMedia.js";
import { authenticate } from "../authenticate.js";
import { mediaResponseHeaders } from "../mediaResponseHeaders.js";
import { errorResponses } from "../schemas/common.js";
import { mediaErrorHandler, serveMedia } from "../serveMedia.js";
import { DEFAULT_MEDIA_CACHE_MAX_AGE_SECONDS, DEFAULT_MEDIA_PER_MINUTE_PER_IP } from "./mediaRoutes.js";

export interface EncryptedMediaRoutesOptions {
  accounts: AccountService;
  reader: EncryptedMediaReader;
  /** Requests allowed per client IP per minute. Default 600. */
  perMinutePerIp?: number;
  /** `Cache-Control: private, max-age` of media answers. Default one day. */
  cacheMaxAgeSeconds?: number;
}

const Params = Type.Object(
  { mediaId: Type.String({ pattern: ENCRYPTED_MEDIA_ID_PATTERN, description: "The media reference a message's Markdown links." }) },
  { additionalProperties: false },
);

const binary = { schema: { type: "string", format: "binary" } };
const mediaContent = { "image/*": binary, "audio/*": binary, "video/*": binary, "application/octet-stream": binary };

/** `GET /api/v1/media/encrypted/{mediaId}`: an attachment of an encrypted Matrix message, decrypted, for readers of that message. */
export async function encryptedMediaRoutes(app: FastifyInstance, opts: EncryptedMediaRoutesOptions): Promise<void> {
  const cacheMaxAge = opts.cacheMaxAgeSeconds ?? DEFAULT_MEDIA_CACHE_MAX_AGE_SECONDS;
  app.get<{ Params: { mediaId: string } }>(
    "/api/v1/media/encrypted/:mediaId",
    {
      exposeHeadRoute: false,
      preValidation: authenticate(opts.accounts),
      errorHandler: mediaErrorHandler,
      config: { rateLimit: { max: opts.perMinutePerIp ?? DEFAULT_MEDIA_PER_MINUTE_PER_IP, timeWindow: "1 minute" } },
      schema: {
        summary: "An attachment of an encrypted Matrix message, decrypted",
        description:
          "Images, files, audio and video that Matrix users send into encrypted rooms. Mirage downloads the ciphertext " +
          "from the homeserver, checks its SHA-256 and decrypts it before serving any byte. Only those who may read the " +
          "message get it (others, and deleted messages, get 404). Types and ranges as `GET /media/{server}/{mediaId}`; " +
          "never stored by shared caches.",
        tags: ["media"],
        security: [{ bearer: [] }],
        params: Params,
        response: {
          200: { description: "The decrypted bytes.", content: mediaContent },
          206: { description: "The range asked for (Content-Range says which).", content: mediaContent },
          416: { description: "The range starts past the end (Content-Range: bytes */<length>).", type: "null" },
          ...errorResponses(400, 401, 404, 429, 502, 503),
        },
      },
    },
    async (request, reply) =>
      serveMedia(
        request,
        reply,
        (signal) => opts.reader.open(request.params.mediaId, people.account(request.auth!.account.name), { signal }),
        (download) => mediaResponseHeaders(download.contentType, download.contentLength, cacheMaxAge, { private: true }),
      ),
  );
}
