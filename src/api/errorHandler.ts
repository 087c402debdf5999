import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ErrorCodes, isMirageError, type ErrorCode } from "../platform/errors/MirageError.js";

/** The one mapping from error codes to HTTP statuses. */
export const HTTP_STATUS_FOR: Readonly<Record<ErrorCode, number>> = {
  INVALID_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CSRF_REJECTED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  NAME_RESERVED: 400,
  NAME_CONFUSABLE: 409,
  RATE_LIMITED: 429,
  CONTENT_TOO_COMPLEX: 422,
  INVALID_CONFIG: 500,
  INTERNAL: 500,
  HOMESERVER_UNAVAILABLE: 503,
  OVERLOADED: 503,
  // As the Matrix spec answers a download too large for the server to serve.
  MEDIA_TOO_LARGE: 502,
  // What the homeserver handed over is not what the sender encrypted: a bad upstream answer.
  MEDIA_CORRUPT: 502,
  NOT_AVAILABLE: 501,
  METHOD_NOT_ALLOWED: 405,
  // 414 for a URI (or a path segment) too long, 431 for header fields; both carry this code.
  REQUEST_TOO_LARGE: 431,
};

export interface ErrorBody {
  error: { code: string; message: string };
}

const body = (code: string, message: string): ErrorBody => ({ error: { code, message } });

/** A schema's own `errorMessage` (the grammar in words) where it has one, else Ajv's. */
function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0] as { instancePath?: string; parentSchema?: { errorMessage?: unknown } } | undefined;
  const own = first?.parentSchema?.errorMessage;
  if (typeof own !== "string") return error.message;
  return `${error.validationContext ?? "input"}${first?.instancePath ?? ""} ${own}`;
}

/**
 * Every error leaves the API as `{"error": {"code", "message"}}`. Client errors keep their
 * message; server errors are logged with their details and answered with a generic message.
 */
export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isMirageError(error)) {
    const status = HTTP_STATUS_FOR[error.code];
    const retryAfter = error.details?.retryAfterSeconds;
    if (typeof retryAfter === "number") reply.header("retry-after", String(retryAfter));
    if (status >= 500) {
      // An unreachable homeserver or a capacity bound is a known condition: one line, no stack.
      if (error.code === ErrorCodes.homeserverUnavailable || error.code === ErrorCodes.overloaded) {
        request.log.warn({ code: error.code, details: error.details, reason: error.message }, "request failed");
      } else request.log.error({ err: error, code: error.code }, "request failed");
      // Gateway and capacity errors carry Mirage's own words, not internals.
      const publicMessage = status === 502 || status === 503;
      return reply.code(status).send(body(error.code, publicMessage ? error.message : "Internal error"));
    }
    return reply.code(status).send(body(error.code, error.message));
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return reply.code(400).send(body(ErrorCodes.invalidInput, validationMessage(fastifyError)));
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

/** The error body for an answer Node's HTTP parser forces (431, 400, 408; 405 for a method it does not know). */
export function protocolErrorBody(status: number, message: string): ErrorBody {
  const code = status === 431 ? ErrorCodes.requestTooLarge : status === 405 ? ErrorCodes.methodNotAllowed : ErrorCodes.invalidInput;
  return body(code, message);
}

/** 404 for an unknown path; 405 with `Allow` for a known path asked with another method (TRACE, …). */
export function notFoundHandler(allowedFor: (path: string) => readonly string[]) {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = request.url.split("?")[0]!;
    const allowed = allowedFor(path);
    if (allowed.length > 0) {
      return reply.code(405).header("allow", allowed.join(", ")).send(body(ErrorCodes.methodNotAllowed, `${request.method} is not allowed here; allowed: ${allowed.join(", ")}`));
    }
    return reply.code(404).send(body(ErrorCodes.notFound, `No route for ${request.method} ${path}`));
  };
}
