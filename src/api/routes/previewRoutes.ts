import type { FastifyInstance } from "fastify";
import type { AccountService } from "../../platform/accounts/AccountService.js";
import type { ProfileService } from "../../platform/accounts/ProfileService.js";
import type { WriteThrottle } from "../../platform/accounts/WriteThrottle.js";
import type { BlogService } from "../../platform/blogs/BlogService.js";
import { people } from "../../platform/people/people.js";
import { authenticateWriter } from "../authenticateWriter.js";
import { errorResponses } from "../schemas/common.js";
import type { MarkdownPreviewRequestT, ProfilePreviewRequestT } from "../schemas/previewSchemas.js";

export interface PreviewRoutesOptions {
  accounts: AccountService;
  /** Renders the Markdown preview; absent: no such route. */
  blogs?: Pick<BlogService, "previewBody">;
  /** Sanitizes the profile preview; absent: no such route. */
  profiles?: Pick<ProfileService, "preview">;
  /** Per-account budget for previews, apart from the one for changes; none: unlimited. */
  previews?: WriteThrottle;
  /** How the public profile page presents sanitized HTML and CSS (see `profileForPage`); absent: as stored. */
  presentProfile?: (html: string, css: string) => { html: string; css: string };
}

const BUDGET_NOTE =
  "Rendered like a write (the same size limits and render pool) and counted like one against a per-account budget of the same size " +
  "as the one for changes but separate from it, so previewing never uses up the budget for saving.";

/** Previews for editors: what the web will show, computed by the same code that stores it, storing nothing. */
export async function previewRoutes(app: FastifyInstance, opts: PreviewRoutesOptions): Promise<void> {
  const write = authenticateWriter(opts.accounts, opts.previews);
  const security = [{ bearer: [] }];
  const statuses = errorResponses(400, 401, 422, 429, 503);
  const { blogs, profiles } = opts;

  if (blogs) {
    app.post<{ Body: MarkdownPreviewRequestT }>(
      "/api/v1/previews/markdown",
      {
        ...write,
        schema: {
          summary: "Render Markdown as a post or comment body",
          description: BUDGET_NOTE,
          tags: ["blogs"],
          security,
          body: { $ref: "MarkdownPreviewRequest#" },
          response: { 200: { $ref: "MarkdownPreview#" }, ...statuses },
        },
      },
      async (request) => ({ html: await blogs.previewBody(request.body.body) }),
    );
  }

  if (profiles) {
    app.post<{ Body: ProfilePreviewRequestT }>(
      "/api/v1/me/profile/preview",
      {
        ...write,
        schema: {
          summary: "Sanitize profile sources as your public profile would show them",
          description: BUDGET_NOTE,
          tags: ["profiles"],
          security,
          body: { $ref: "ProfilePreviewRequest#" },
          response: { 200: { $ref: "ProfilePreview#" }, ...statuses },
        },
      },
      async (request) => {
        const shown = await profiles.preview(people.account(request.auth!.account.name), request.body);
        return opts.presentProfile ? { ...shown, ...opts.presentProfile(shown.html, shown.css) } : shown;
      },
    );
  }
}
