import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AccountService } from "../../platform/accounts/AccountService.js";
import { COMMENT_ID_PATTERN, POST_ID_PATTERN } from "../../platform/blogs/blogIds.js";
import type { ReactionTargetKind } from "../../platform/reactions/Reaction.js";
import { ReactionKey } from "../schemas/identifierSchemas.js";
import type { ReactionService } from "../../platform/reactions/ReactionService.js";
import type { ReactionSummary } from "../../platform/reactions/reactionSummaries.js";
import type { WriteThrottle } from "../../platform/accounts/WriteThrottle.js";
import { authenticateWriter } from "../authenticateWriter.js";
import { errorResponses } from "../schemas/common.js";
import { people } from "../../platform/people/people.js";
import { asReactionTargetId } from "../../platform/ids.js";

export interface ReactionRoutesOptions {
  accounts: AccountService;
  reactions: ReactionService;
  /** Per-account budget for changes; none: unlimited. */
  writes?: WriteThrottle;
}

const TARGETS: ReadonlyArray<{ segment: string; kind: ReactionTargetKind; id: Record<string, unknown> }> = [
  { segment: "posts", kind: "post", id: { pattern: POST_ID_PATTERN } },
  { segment: "comments", kind: "comment", id: { pattern: COMMENT_ID_PATTERN } },
  { segment: "messages", kind: "message", id: { minLength: 1, maxLength: 64 } },
];

/**
 * `PUT|DELETE /api/v1/{posts|comments|messages}/{id}/reactions/{key}`: both idempotent, both
 * answer 200 with the target's counts. `key` is percent-decoded from the path, then normalized.
 */
export async function reactionRoutes(app: FastifyInstance, opts: ReactionRoutesOptions): Promise<void> {
  const hooks = authenticateWriter(opts.accounts, opts.writes);
  const security = [{ bearer: [] }];
  const tags = ["reactions"];

  for (const { segment, kind, id } of TARGETS) {
    const params = Type.Object({
      id: Type.String(id),
      key: Type.Ref(ReactionKey),
    });
    const url = `/api/v1/${segment}/:id/reactions/:key`;
    // Adding can hit the per-target limits (409) and, on blogs, a block (403); taking back cannot.
    const putResponse = { 200: { $ref: "ReactionSummary#" }, ...errorResponses(...(kind === "message" ? [] : [403]), 400, 401, 404, 409, 429) };
    const deleteResponse = { 200: { $ref: "ReactionSummary#" }, ...errorResponses(400, 401, 404, 429) };
    const answer = (target: { kind: ReactionTargetKind; id: string }, summary: ReactionSummary & { key: string }) => ({ target, ...summary });

    app.put<{ Params: { id: string; key: string } }>(
      url,
      { ...hooks, schema: { summary: `React to a ${kind} (again: no change)`, tags, security, params, response: putResponse } },
      async (request) => {
        const target = { kind, id: asReactionTargetId(request.params.id) };
        return answer(target, await opts.reactions.add(people.account(request.auth!.account.name), target, request.params.key));
      },
    );

    app.delete<{ Params: { id: string; key: string } }>(
      url,
      { ...hooks, schema: { summary: `Take back your reaction to a ${kind} (none there: no change)`, tags, security, params, response: deleteResponse } },
      async (request) => {
        const target = { kind, id: asReactionTargetId(request.params.id) };
        return answer(target, await opts.reactions.remove(people.account(request.auth!.account.name), target, request.params.key));
      },
    );
  }
}
