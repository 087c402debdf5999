import type { FastifyInstance } from "fastify";
import type { AccountService } from "../../platform/accounts/AccountService.js";
import { asPostId, type AccountName } from "../../platform/ids.js";
import type { BlogService } from "../../platform/blogs/BlogService.js";
import type { CommentService } from "../../platform/blogs/CommentService.js";
import type { WriteThrottle } from "../../platform/accounts/WriteThrottle.js";
import { authenticateWriter } from "../authenticateWriter.js";
import { optionalAuthenticate } from "../optionalAuthenticate.js";
import {
  OwnerParams,
  OwnerSlugParams,
  PostPageQuery,
  PostParams,
  type BlogPatchT,
  type PageQueryT,
  type PostCreateT,
  type PostPatchT,
} from "../schemas/blogSchemas.js";
import { errorResponses } from "../schemas/common.js";
import { blogJson, postJson } from "./blogJson.js";
import { commentRoutes } from "./commentRoutes.js";
import { people } from "../../platform/people/people.js";
import type { BlogView } from "../../platform/blogs/Blog.js";
import type { PostView } from "../../platform/blogs/Post.js";
import { profileLookup, type ProfileLookup } from "../profileLookup.js";

export interface BlogRoutesOptions {
  accounts: AccountService;
  blogs: BlogService;
  comments: CommentService;
  /** Per-account budget for changes; none: unlimited. */
  writes?: WriteThrottle;
  /** Owners' and authors' display names and avatars; default: shown by their IDs. */
  profiles?: ProfileLookup;
}

/**
 * Blogs, posts and (through `commentRoutes`) comments. Reads are public and also accept a
 * bearer token, which shows the owner their drafts and every reader their own reactions.
 */
export async function blogRoutes(app: FastifyInstance, opts: BlogRoutesOptions): Promise<void> {
  const { blogs } = opts;
  const profiles = opts.profiles ?? profileLookup(undefined);
  const blog = async (view: BlogView) => blogJson(view, await profiles([view.owner]));
  const post = async (view: PostView) => postJson(view, await profiles([view.author]));
  const write = authenticateWriter(opts.accounts, opts.writes);
  const maybeAuth = { preValidation: optionalAuthenticate(opts.accounts) };
  const security = [{ bearer: [] }];
  const optionalSecurity: Array<Record<string, string[]>> = [{}, { bearer: [] }];
  const tags = ["blogs"];
  const reader = (request: { auth: { account: { name: AccountName } } | null }) => (request.auth ? people.account(request.auth.account.name) : undefined);

  app.get<{ Params: { owner: string } }>(
    "/api/v1/blogs/:owner",
    { ...maybeAuth, schema: { summary: "A blog", tags, security: optionalSecurity, params: OwnerParams, response: { 200: { $ref: "Blog#" }, ...errorResponses(400, 401, 404) } } },
    async (request) => blog(await blogs.getBlog(request.params.owner, reader(request))),
  );

  app.patch<{ Params: { owner: string }; Body: BlogPatchT }>(
    "/api/v1/blogs/:owner",
    {
      ...write,
      schema: { summary: "Change your blog's title, description or blocked commenters", tags, security, params: OwnerParams, body: { $ref: "BlogPatch#" }, response: { 200: { $ref: "Blog#" }, ...errorResponses(400, 401, 403, 404, 429) } },
    },
    async (request) => blog(await blogs.updateBlog(people.account(request.auth!.account.name), request.params.owner, request.body)),
  );

  app.get<{ Params: { owner: string }; Querystring: PageQueryT }>(
    "/api/v1/blogs/:owner/posts",
    {
      ...maybeAuth,
      schema: {
        summary: "Posts, newest first (drafts too, for the owner)",
        tags,
        security: optionalSecurity,
        params: OwnerParams,
        querystring: PostPageQuery,
        response: { 200: { $ref: "PostPage#" }, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { cursor, limit = 20 } = request.query;
      const page = await blogs.listPosts(request.params.owner, reader(request), { limit, ...(cursor !== undefined ? { cursor } : {}) });
      const profileOf = await profiles(page.posts.map((view) => view.author));
      return { posts: page.posts.map((view) => postJson(view, profileOf)), next: page.next ?? null };
    },
  );

  app.post<{ Params: { owner: string }; Body: PostCreateT }>(
    "/api/v1/blogs/:owner/posts",
    {
      ...write,
      schema: {
        summary: "Write a post in your blog",
        tags,
        security,
        params: OwnerParams,
        body: { $ref: "PostCreate#" },
        response: { 201: { $ref: "Post#" }, ...errorResponses(400, 401, 403, 404, 409, 422, 429, 503) },
      },
    },
    async (request, reply) => reply.code(201).send(await post(await blogs.createPost(people.account(request.auth!.account.name), request.params.owner, request.body))),
  );

  app.get<{ Params: { owner: string; slug: string } }>(
    "/api/v1/blogs/:owner/posts/:slug",
    {
      ...maybeAuth,
      schema: { summary: "A post by its slug", tags, security: optionalSecurity, params: OwnerSlugParams, response: { 200: { $ref: "Post#" }, ...errorResponses(400, 401, 404) } },
    },
    async (request) => post(await blogs.getPostBySlug(request.params.owner, request.params.slug, reader(request))),
  );

  app.get<{ Params: { postId: string } }>(
    "/api/v1/posts/:postId",
    { ...maybeAuth, schema: { summary: "A post", tags, security: optionalSecurity, params: PostParams, response: { 200: { $ref: "Post#" }, ...errorResponses(400, 401, 404) } } },
    async (request) => post(await blogs.getPost(asPostId(request.params.postId), reader(request))),
  );

  app.patch<{ Params: { postId: string }; Body: PostPatchT }>(
    "/api/v1/posts/:postId",
    {
      ...write,
      schema: {
        summary: "Edit your post (published: false turns it back into a draft)",
        tags,
        security,
        params: PostParams,
        body: { $ref: "PostPatch#" },
        response: { 200: { $ref: "Post#" }, ...errorResponses(400, 401, 403, 404, 409, 422, 429, 503) },
      },
    },
    async (request) => post(await blogs.editPost(people.account(request.auth!.account.name), asPostId(request.params.postId), request.body)),
  );

  app.delete<{ Params: { postId: string } }>(
    "/api/v1/posts/:postId",
    {
      ...write,
      schema: { summary: "Delete your post (it is gone from every read; its slug is free again)", tags, security, params: PostParams, response: { 204: { type: "null" }, ...errorResponses(400, 401, 403, 404, 429) } },
    },
    async (request, reply) => {
      await blogs.deletePost(people.account(request.auth!.account.name), asPostId(request.params.postId));
      return reply.code(204).send();
    },
  );

  await app.register(commentRoutes, { accounts: opts.accounts, comments: opts.comments, profiles, ...(opts.writes ? { writes: opts.writes } : {}) });
}
