import type { FastifyInstance } from "fastify";
import type { AccountService } from "../../platform/accounts/AccountService.js";
import { asCommentId, asPostId } from "../../platform/ids.js";
import type { CommentService } from "../../platform/blogs/CommentService.js";
import type { CommentView } from "../../platform/blogs/Comment.js";
import type { WriteThrottle } from "../../platform/accounts/WriteThrottle.js";
import { authenticateWriter } from "../authenticateWriter.js";
import { optionalAuthenticate } from "../optionalAuthenticate.js";
import { CommentPageQuery, CommentParams, PostParams, type CommentCreateT, type CommentPatchT, type PageQueryT } from "../schemas/blogSchemas.js";
import { errorResponses } from "../schemas/common.js";
import { commentJson } from "./blogJson.js";
import { people } from "../../platform/people/people.js";
import { profileLookup, type ProfileLookup } from "../profileLookup.js";

export interface CommentRoutesOptions {
  accounts: AccountService;
  comments: CommentService;
  /** Per-account budget for changes; none: unlimited. */
  writes?: WriteThrottle;
  /** Authors' display names and avatars; default: shown by their IDs. */
  profiles?: ProfileLookup;
}

/** Threaded comments on posts. Registered by `blogRoutes`. */
export async function commentRoutes(app: FastifyInstance, opts: CommentRoutesOptions): Promise<void> {
  const { comments } = opts;
  const profiles = opts.profiles ?? profileLookup(undefined);
  const one = async (comment: CommentView) => commentJson(comment, await profiles([comment.author]));
  const write = authenticateWriter(opts.accounts, opts.writes);
  const security = [{ bearer: [] }];
  const tags = ["blogs"];

  app.get<{ Params: { postId: string }; Querystring: PageQueryT }>(
    "/api/v1/posts/:postId/comments",
    {
      preValidation: optionalAuthenticate(opts.accounts),
      schema: {
        summary: "A post's comments in thread order",
        tags,
        security: [{}, { bearer: [] }],
        params: PostParams,
        querystring: CommentPageQuery,
        response: { 200: { $ref: "CommentPage#" }, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { cursor, limit = 50 } = request.query;
      const page = await comments.listComments(asPostId(request.params.postId), (request.auth ? people.account(request.auth.account.name) : undefined), { limit, ...(cursor !== undefined ? { cursor } : {}) });
      const profileOf = await profiles(page.comments.map((comment) => comment.author));
      return { comments: page.comments.map((comment) => commentJson(comment, profileOf)), next: page.next ?? null };
    },
  );

  app.post<{ Params: { postId: string }; Body: CommentCreateT }>(
    "/api/v1/posts/:postId/comments",
    {
      ...write,
      schema: {
        summary: "Comment on a post, or reply to a comment with parentId (403 when comments are closed or the owner blocked you)",
        tags,
        security,
        params: PostParams,
        body: { $ref: "CommentCreate#" },
        response: { 201: { $ref: "Comment#" }, ...errorResponses(400, 401, 403, 404, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const { body, parentId } = request.body;
      const comment = await comments.addComment(people.account(request.auth!.account.name), asPostId(request.params.postId), {
        body,
        ...(parentId !== undefined ? { parentId: asCommentId(parentId) } : {}),
      });
      return reply.code(201).send(await one(comment));
    },
  );

  app.patch<{ Params: { commentId: string }; Body: CommentPatchT }>(
    "/api/v1/comments/:commentId",
    {
      ...write,
      schema: { summary: "Edit your comment", tags, security, params: CommentParams, body: { $ref: "CommentPatch#" }, response: { 200: { $ref: "Comment#" }, ...errorResponses(400, 401, 403, 404, 409, 422, 429, 503) } },
    },
    async (request) => one(await comments.editComment(people.account(request.auth!.account.name), asCommentId(request.params.commentId), request.body.body)),
  );

  app.delete<{ Params: { commentId: string } }>(
    "/api/v1/comments/:commentId",
    {
      ...write,
      schema: { summary: "Delete your comment, or as the blog's owner any comment on your posts (replies keep their place under a tombstone)", tags, security, params: CommentParams, response: { 204: { type: "null" }, ...errorResponses(400, 401, 403, 404, 429) } },
    },
    async (request, reply) => {
      await comments.deleteComment(people.account(request.auth!.account.name), asCommentId(request.params.commentId));
      return reply.code(204).send();
    },
  );
}
