import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { blogRequest, type PluginWeb } from "../../src/plugins/pluginApi.js";

const CommentTimer = Type.Object(
  { seconds: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: "Lifetime of each new comment in seconds; null turns comment expiry off." }) },
  { additionalProperties: false },
);

/**
 * `PUT /api/v1/blogs/{owner}/expiry` (mounted by the host under the blog, for its owner only):
 * sets or clears the lifetime of comments on the blog's posts.
 */
export function blogExpiryRoutes(deps: { web: PluginWeb; maxMs: number; set(owner: string, ms: number | undefined): Promise<void> }): FastifyPluginAsync {
  return async (app) => {
    app.put(
      "/expiry",
      {
        schema: {
          summary: "Set or clear the blog's comment timer",
          description:
            "Comments written on the blog's posts after the change expire `seconds` after they were written: they are redacted in the blog's Matrix room and deleted from Mirage. The blog's owner only.",
          tags: ["blogs"],
          body: CommentTimer,
          response: { 200: CommentTimer, ...deps.web.errors(400, 401, 403, 404) } as Record<number, unknown>,
        },
      },
      async (request, reply) => {
        const { blog } = blogRequest(request);
        const { seconds } = request.body as { seconds: number | null };
        if (seconds !== null && seconds * 1000 > deps.maxMs) {
          return reply.code(400).send({ error: { code: "INVALID_INPUT", message: `seconds must be at most ${Math.floor(deps.maxMs / 1000)}` } });
        }
        await deps.set(blog.owner, seconds === null ? undefined : seconds * 1000);
        return { seconds };
      },
    );
  };
}
