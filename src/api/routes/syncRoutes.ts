import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AccountService } from "../../platform/accounts/AccountService.js";
import type { SyncHub } from "../../platform/sync/SyncHub.js";
import { authenticate } from "../authenticate.js";
import { errorResponses } from "../schemas/common.js";

const SyncQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "The `next` of the previous answer; omit for the current position." })),
    timeout: Type.Optional(Type.Integer({ minimum: 0, maximum: 120000, default: 30000, description: "Longest wait in milliseconds." })),
  },
  { additionalProperties: false },
);

const SyncResponse = Type.Object({
  events: Type.Array(
    Type.Object({ kind: Type.String(), roomId: Type.Optional(Type.String()), data: Type.Unknown() }),
  ),
  next: Type.String(),
});

/**
 * Long-poll: answers at once when the account has new events after `since`, else waits up
 * to `timeout`. A disconnected client's wait is released immediately.
 */
export async function syncRoutes(app: FastifyInstance, opts: { accounts: AccountService; hub: SyncHub }): Promise<void> {
  app.get<{ Querystring: { since?: string; timeout?: number } }>(
    "/api/v1/sync",
    {
      preHandler: authenticate(opts.accounts),
      schema: {
        summary: "Long-poll for new events",
        tags: ["sync"],
        security: [{ bearer: [] }],
        querystring: SyncQuery,
        response: { 200: SyncResponse, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const controller = new AbortController();
      const onClose = () => controller.abort(new Error("client went away"));
      request.raw.once("close", onClose);
      try {
        return await opts.hub.wait(request.auth!.account.name, request.query.since, request.query.timeout ?? 30_000, controller.signal);
      } finally {
        request.raw.off("close", onClose);
      }
    },
  );
}
