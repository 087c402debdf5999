import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ErrorCodes, isMirageError, type ErrorCode } from "../platform/errors/MirageError.js";

/** The one mapping from error codes to HTTP statuses. */
export const HTTP_STATUS_FOR: Readonly<Record<ErrorCode, number>> = {
  INVALID_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  NAME_RESERVED: 400,
  NAME_CONFUSABLE: 409,
  RATE_LIMITED: 429,
  INVALID_CONFIG: 500,
  INTERNAL: 500,
  HOMESERVER_UNAVAILABLE: 503,
  // As the Matrix spec answers a download too large for the server to serve.
  MEDIA_TOO_LARGE: 502,
  NOT_AVAILABLE: 501,
};

export interface ErrorBody {
  error: { code: string; message: string };
}

const body = (code: string, message: string): ErrorBody => ({ error: { code, message } });

/**
 * Every error leaves the API as `{"error": {"code", "message"}}`. Client errors keep their
 * message; server errors are logged with their details and answered with a generic message.
 */
export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isMirageError(error)) {
    const status = HTTP_STATUS_FOR[error.code];
    if (status >= 500) {
      // An unreachable homeserver is a known condition (reported by /health): one line, no stack.
      if (error.code === ErrorCodes.homeserverUnavailable) request.log.warn({ code: error.code, details: error.details, reason: error.message }, "request failed");
      else request.log.error({ err: error, code: error.code }, "request failed");
      // Gateway errors carry Mirage's own words about the homeserver, not internals.
      const publicMessage = status === 502 || status === 503;
      return reply.code(status).send(body(error.code, publicMessage ? error.message : "Internal error"));
    }
    const retryAfter = error.details?.retryAfterSeconds;
    if (typeof retryAfter === "number") reply.header("retry-after", String(retryAfter));
    return reply.code(status).send(body(error.code, error.message));
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return reply.code(400).send(body(ErrorCodes.invalidInput, fastifyError.message));
  }
  const status = fastifyError.statusCode ?? 500;
  if (status === 429) return reply.code(429).send(body(ErrorCodes.rateLimited, "Too many requests"));
  if (status >= 400 && status < 500) {
    const code = status === 404 ? ErrorCodes.notFound : ErrorCodes.invalidInput;
    return reply.code(status).send(body(code, fastifyError.message));
  }
  request.log.error({ err: error }, "request failed");
  return reply.code(500).send(body(ErrorCodes.internal, "Internal error"));
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.code(404).send(body(ErrorCodes.notFound, `No route for ${request.method} ${request.url.split("?")[0]}`));
}
