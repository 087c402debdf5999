import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Logger } from "../log/createLogger.js";
import type { AppserviceTransaction, TransactionInbox } from "../platform/ports/TransactionInbox.js";
import type { AppserviceMetrics } from "./appserviceMetrics.js";
import { AllowedMethods } from "../http/AllowedMethods.js";
import { clientErrorHandler } from "../http/clientErrorHandler.js";
import { exceedsJsonDepth, MAX_JSON_DEPTH } from "../platform/jsonDepth.js";
import { hsTokenMatches, presentedToken } from "./hsTokenMatches.js";

export interface AppserviceServerDeps {
  hsToken: string;
  inbox: TransactionInbox;
  logger: Logger;
  metrics: AppserviceMetrics;
  /** Called after a new transaction is durably accepted, with its body (read, not kept). */
  onTransactionAccepted(body: AppserviceTransaction): void;
  /** Called when the homeserver pings us, with the transaction id it echoed, if any. */
  onPing(transactionId: string | undefined): void;
  /** Provisioning on the homeserver's queries; without it no user or alias exists. */
  queries?: AppserviceQueries;
  now?: () => number;
}

/**
 * The homeserver asks whether a user or alias in Mirage's namespaces exists before it fails a
 * lookup. Each resolves true only once what was asked for exists on the homeserver (created on demand).
 */
export interface AppserviceQueries {
  user(userId: string): Promise<boolean>;
  alias(alias: string): Promise<boolean>;
}

const querySchema = (param: string) =>
  ({ params: { type: "object", properties: { [param]: { type: "string", minLength: 1, maxLength: 255 } }, required: [param] } }) as const;

const MAX_TRANSACTION_BYTES = 64 * 1024 * 1024;

const transactionSchema = {
  params: {
    type: "object",
    properties: { txnId: { type: "string", minLength: 1, maxLength: 255 } },
    required: ["txnId"],
  },
  body: {
    type: "object",
    required: ["events"],
    properties: {
      events: { type: "array", items: { type: "object" } },
      ephemeral: { type: "array", items: { type: "object" } },
      "de.sorunome.msc2409.ephemeral": { type: "array", items: { type: "object" } },
      "de.sorunome.msc2409.to_device": { type: "array", items: { type: "object" } },
      "org.matrix.msc3202.device_lists": { type: "object" },
    },
  },
} as const;

const pingSchema = {
  body: {
    anyOf: [
      { type: "object", properties: { transaction_id: { type: "string", maxLength: 255 } } },
      { type: "null" },
    ],
  },
} as const;

const matrixError = (reply: FastifyReply, status: number, errcode: string, error: string) =>
  reply.code(status).send({ errcode, error });

/**
 * The homeserver-facing listener (application-service API). Every route checks the
 * hs_token in constant time; a transaction is answered 200 only once it is durable.
 */
export function buildAppserviceServer(deps: AppserviceServerDeps): FastifyInstance {
  const now = deps.now ?? Date.now;
  const allowed = new AllowedMethods();
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: MAX_TRANSACTION_BYTES,
    // Transaction ids may be 255 characters (longer ones get a 400 from the schema, not a 414
    // from the router); the URL as a whole is bounded by Node's header size limit.
    routerOptions: { maxParamLength: 16 * 1024 },
    // Request lines would carry `?access_token=` from older homeservers.
    logController: new LogController({ disableRequestLogging: true }),
    // Answers the router (414: a path segment too long) and Node's parser (431: header fields
    // too large, 400: malformed) give on their own, in the Matrix error shape.
    frameworkErrors: (error, _request, reply) => {
      const status = (error as { statusCode?: number }).statusCode ?? 400;
      void matrixError(reply as unknown as FastifyReply, status, status === 414 ? "M_TOO_LARGE" : "M_UNRECOGNIZED", error.message);
    },
    clientErrorHandler: clientErrorHandler(
      (status, message) => ({ errcode: status === 431 ? "M_TOO_LARGE" : "M_UNRECOGNIZED", error: message }),
      (path) => allowed.for(path),
    ),
  });

  // Bounded nesting, checked on the raw text: deep JSON would overflow the stack later (storing it).
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, text, done) => {
    if (!exceedsJsonDepth(text as string)) return parseJson(request, text as string, done);
    done(Object.assign(new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), { statusCode: 400, code: "M_BAD_JSON" }), undefined);
  });

  app.addHook("onRequest", async (request, reply) => {
    const token = presentedToken(request.headers.authorization, request.query);
    if (token === undefined) {
      deps.metrics.authFailures.inc({ reason: "missing" });
      return matrixError(reply, 401, "M_UNAUTHORIZED", "Missing hs_token");
    }
    if (!hsTokenMatches(token, deps.hsToken)) {
      deps.metrics.authFailures.inc({ reason: "mismatch" });
      request.log.warn({ component: "appservice-api", url: request.routeOptions.url }, "request with a wrong hs_token");
      return matrixError(reply, 403, "M_FORBIDDEN", "Bad hs_token");
    }
  });

  app.setErrorHandler((error: Error & { statusCode?: number; validation?: unknown; validationContext?: string; code?: string }, request, reply) => {
    if (error.validation && error.validationContext === "params") {
      deps.metrics.transactions.inc({ result: "rejected" });
      return matrixError(reply, 400, "M_INVALID_PARAM", error.message);
    }
    if (error.validation || error.statusCode === 400 || error.statusCode === 415) {
      deps.metrics.transactions.inc({ result: "rejected" });
      return matrixError(reply, 400, error.validation || error.code === "M_BAD_JSON" ? "M_BAD_JSON" : "M_NOT_JSON", error.message);
    }
    if (error.statusCode === 413) return matrixError(reply, 413, "M_TOO_LARGE", "Transaction too large");
    request.log.error({ component: "appservice-api", err: error }, "appservice request failed");
    return matrixError(reply, 500, "M_UNKNOWN", "Internal error");
  });

  // As the spec asks: a known endpoint with another method is 405 M_UNRECOGNIZED (with Allow).
  app.addHook("onRoute", (route) => allowed.add(route.method, route.url));
  app.setNotFoundHandler((request, reply) => {
    const methods = allowed.for(request.url.split("?")[0]!);
    if (methods.length > 0) return matrixError(reply.header("allow", methods.join(", ")), 405, "M_UNRECOGNIZED", "Method not allowed");
    return matrixError(reply, 404, "M_UNRECOGNIZED", "Unrecognized request");
  });

  app.put<{ Params: { txnId: string }; Body: AppserviceTransaction }>(
    "/_matrix/app/v1/transactions/:txnId",
    { schema: transactionSchema },
    async (request: FastifyRequest<{ Params: { txnId: string }; Body: AppserviceTransaction }>, reply) => {
      const { txnId } = request.params;
      const isNew = await deps.inbox.accept(txnId, request.body, now());
      deps.metrics.transactions.inc({ result: isNew ? "accepted" : "duplicate" });
      if (isNew) {
        deps.metrics.events.inc(request.body.events.length);
        deps.onTransactionAccepted(request.body);
      }
      return reply.code(200).send({});
    },
  );

  app.post<{ Body: { transaction_id?: string } | null }>("/_matrix/app/v1/ping", { schema: pingSchema }, async (request, reply) => {
    deps.onPing(request.body?.transaction_id);
    return reply.code(200).send({});
  });

  app.get<{ Params: { userId: string } }>("/_matrix/app/v1/users/:userId", { schema: querySchema("userId") }, async (request, reply) =>
    (await deps.queries?.user(request.params.userId)) ? reply.code(200).send({}) : matrixError(reply, 404, "M_NOT_FOUND", "No such user"),
  );
  app.get<{ Params: { roomAlias: string } }>("/_matrix/app/v1/rooms/:roomAlias", { schema: querySchema("roomAlias") }, async (request, reply) =>
    (await deps.queries?.alias(request.params.roomAlias)) ? reply.code(200).send({}) : matrixError(reply, 404, "M_NOT_FOUND", "No such room alias"),
  );

  return app;
}
