import { createHash } from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ProfileLookup } from "../../api/profileLookup.js";
import type { Account } from "../../platform/accounts/Account.js";
import type { ProfileService } from "../../platform/accounts/ProfileService.js";
import type { BlogView } from "../../platform/blogs/Blog.js";
import type { BlogService } from "../../platform/blogs/BlogService.js";
import type { CommentService } from "../../platform/blogs/CommentService.js";
import { ErrorCodes, isMirageError } from "../../platform/errors/MirageError.js";
import { people } from "../../platform/people/people.js";
import { asPostId } from "../../platform/ids.js";
import { atomFeed } from "./atomFeed.js";
import { renderBlogPage } from "./blogPage.js";
import { renderErrorPage } from "./errorPage.js";
import { renderHomePage } from "./homePage.js";
import { pageUrls } from "./pageUrls.js";
import { renderPostPage } from "./postPage.js";
import type { PageImageUrl } from "./profileForPage.js";
import { excerpt } from "./pageParts.js";
import { handleOf, PublicPageData, reactions } from "./publicPageData.js";
import type { PageFrame } from "./renderPublicPage.js";
import type { WebAssets } from "../WebAssets.js";
import type { SiteInfo } from "../webRoutes.js";

/** The services and lookups the public pages read. */
export interface PublicPageServices {
  blogs: BlogService;
  comments: CommentService;
  profiles: ProfileService;
  /** Display names and avatars, with root-relative media addresses. */
  personProfiles: ProfileLookup;
  /** Where https images load from instead of their host (`/media/external/…`). */
  imageUrl: PageImageUrl;
}

export interface PublicPageRoutesOptions extends PublicPageServices {
  /** The bundled stylesheet and script every page links. */
  assets: WebAssets;
  /** The instance: its name, and the absolute public URL for canonical links, feeds and link previews. */
  site: SiteInfo;
}

const PAGE_SIZE = 20;
const COMMENTS_PER_PAGE = 200;
const Cursor = Type.String({ minLength: 1, maxLength: 4096, pattern: "^[A-Za-z0-9_-]+$" });
const ListQuery = Type.Object({ before: Type.Optional(Cursor) });
const PostQuery = Type.Object({ comments: Type.Optional(Cursor) });
const CssQuery = Type.Object({ v: Type.Optional(Type.String({ maxLength: 64 })) });
const OwnerParams = Type.Object({ owner: Type.String({ minLength: 1, maxLength: 300 }) });
const PostParams = Type.Object({ owner: Type.String({ minLength: 1, maxLength: 300 }), slug: Type.String({ minLength: 1, maxLength: 300 }) });

/** Pages are small and change with every comment: revalidated each time, answered 304 when unchanged. */
function sendPage(request: FastifyRequest, reply: FastifyReply, body: string, type = "text/html; charset=utf-8", status = 200): FastifyReply {
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  reply.header("content-type", type).header("cache-control", "no-cache").header("etag", etag);
  if (status === 200 && request.headers["if-none-match"] === etag) return reply.code(304).send();
  return reply.code(status).send(body);
}

/** The public pages: `/`, `/@{owner}`, `/@{owner}/{slug}`, `/@{owner}/feed.atom`, `/@{owner}/profile.css`. Anonymous reads: drafts never show. */
export async function publicPageRoutes(app: FastifyInstance, opts: PublicPageRoutesOptions): Promise<void> {
  const { blogs, comments } = opts;
  const local = pageUrls("");
  const publicUrl = opts.site.publicUrl;
  const absolute = pageUrls(publicUrl);
  const frame: PageFrame = { assets: opts.assets, site: opts.site };
  const data = new PublicPageData({ profiles: opts.personProfiles, urls: local, imageUrl: opts.imageUrl });
  const hide = { hide: true };
  const absoluteImage = (src: string | undefined) => (src === undefined ? undefined : src.startsWith("/") ? `${publicUrl.replace(/\/+$/, "")}${src}` : src);

  /** The blog, or an answer already sent: a 404 page, or a redirect to the owner's canonical address. */
  const findBlog = async (request: FastifyRequest, reply: FastifyReply, owner: string, rest = ""): Promise<BlogView | undefined> => {
    let blog: BlogView;
    try {
      blog = await blogs.getBlog(owner);
    } catch (error) {
      if (isMirageError(error) && (error.code === ErrorCodes.notFound || error.code === ErrorCodes.invalidInput)) {
        sendPage(request, reply, renderErrorPage(frame, 404, "blog"), undefined, 404);
        return undefined;
      }
      throw error;
    }
    if (blog.owner !== owner) {
      const query = request.url.includes("?") ? request.url.slice(request.url.indexOf("?")) : "";
      void reply.redirect(`${local.blog(blog.owner)}${rest}${query}`, 301);
      return undefined;
    }
    return blog;
  };
  const account = async (owner: string): Promise<Account | undefined> => (people.isMatrixId(owner) ? undefined : opts.profiles.get(owner).catch(() => undefined));
  // A malformed address (a cursor or name no page made) is a page that does not exist, shown as such rather than as JSON.
  const malformed = (request: FastifyRequest, reply: FastifyReply) => sendPage(request, reply, renderErrorPage(frame, 404, "page"), undefined, 404);
  const badCursor = (error: unknown) => isMirageError(error) && error.code === ErrorCodes.invalidInput;

  app.get<{ Querystring: Static<typeof ListQuery> }>("/", { attachValidation: true, schema: { ...hide, querystring: ListQuery } }, async (request, reply) => {
    if (request.validationError) return malformed(request, reply);
    const page = await blogs.listRecentPosts(undefined, { limit: PAGE_SIZE, ...(request.query.before !== undefined ? { cursor: request.query.before } : {}) }).catch((error: unknown) => {
      if (badCursor(error)) return undefined;
      throw error;
    });
    if (!page) return sendPage(request, reply, renderErrorPage(frame, 404, "page"), undefined, 404);
    return sendPage(
      request,
      reply,
      renderHomePage(frame, {
        meta: { title: frame.site.name, description: frame.site.description !== "" ? frame.site.description : `Recent posts on ${frame.site.name}.`, canonical: absolute.home(), type: "website" },
        posts: await data.summaries(page.posts),
        pager: { ...(page.next !== undefined ? { older: `/?before=${page.next}` } : {}), ...(request.query.before !== undefined ? { newest: "/" } : {}) },
      }),
    );
  });

  app.get<{ Params: Static<typeof OwnerParams>; Querystring: Static<typeof ListQuery> }>("/@:owner", { attachValidation: true, schema: { ...hide, params: OwnerParams, querystring: ListQuery } }, async (request, reply) => {
    if (request.validationError) return malformed(request, reply);
    const blog = await findBlog(request, reply, request.params.owner);
    if (!blog) return reply;
    const before = request.query.before;
    const [page, owner, person] = await Promise.all([
      blogs.listPosts(blog.owner, undefined, { limit: PAGE_SIZE, ...(before !== undefined ? { cursor: before } : {}) }).catch((error: unknown) => {
        if (badCursor(error)) return undefined;
        throw error;
      }),
      account(blog.owner),
      data.people([blog.owner]),
    ]);
    if (!page) return sendPage(request, reply, renderErrorPage(frame, 404, "page"), undefined, 404);
    const ownerPerson = person(blog.owner);
    const profile = data.profile(owner);
    const description = blog.description !== "" ? blog.description : `${ownerPerson.displayName} on ${frame.site.name}`;
    const image = absoluteImage(ownerPerson.avatarUrl);
    return sendPage(
      request,
      reply,
      renderBlogPage(frame, {
        meta: {
          title: blog.title,
          description,
          canonical: absolute.blog(blog.owner),
          type: "profile",
          ...(image !== undefined ? { image } : {}),
          feed: { href: absolute.feed(blog.owner), title: `${blog.title} (Atom)` },
        },
        owner: ownerPerson,
        handle: handleOf(blog.owner),
        blogTitle: blog.title,
        blogDescription: blog.description,
        bioHtml: owner?.bioHtml ?? "",
        profileHtml: profile?.html ?? "",
        ...(profile ? { profileCss: local.profileCss(blog.owner, profile.hash) as `/${string}` } : {}),
        feedUrl: local.feed(blog.owner),
        postCount: blog.postCount,
        posts: await data.summaries(page.posts),
        pager: { ...(page.next !== undefined ? { older: `${local.blog(blog.owner)}?before=${page.next}` } : {}), ...(before !== undefined ? { newest: local.blog(blog.owner) } : {}) },
      }),
    );
  });

  app.get<{ Params: Static<typeof OwnerParams>; Querystring: Static<typeof CssQuery> }>("/@:owner/profile.css", { attachValidation: true, schema: { ...hide, params: OwnerParams, querystring: CssQuery } }, async (request, reply) => {
    if (request.validationError) return malformed(request, reply);
    const owner = people.isMatrixId(request.params.owner) ? undefined : await account(request.params.owner);
    const profile = data.profile(owner);
    if (!profile) return reply.code(404).header("content-type", "text/css; charset=utf-8").header("cache-control", "no-cache").send("");
    // The page names the stylesheet by its hash: that address never changes content.
    const current = request.query.v === profile.hash;
    reply.header("content-type", "text/css; charset=utf-8").header("cache-control", current ? "public, max-age=31536000, immutable" : "no-cache");
    return reply.send(profile.css);
  });

  app.get<{ Params: Static<typeof OwnerParams> }>("/@:owner/feed.atom", { attachValidation: true, schema: { ...hide, params: OwnerParams } }, async (request, reply) => {
    if (request.validationError) return malformed(request, reply);
    const blog = await findBlog(request, reply, request.params.owner, "/feed.atom");
    if (!blog) return reply;
    const page = await blogs.listPosts(blog.owner, undefined, { limit: PAGE_SIZE });
    const person = await data.people([blog.owner, ...page.posts.map((post) => post.author)]);
    const body = atomFeed({
      owner: blog.owner,
      ownerName: person(blog.owner).displayName,
      title: blog.title,
      description: blog.description,
      entries: page.posts.map((post) => ({
        id: post.id,
        title: post.title,
        slug: post.slug,
        authorName: person(post.author).displayName,
        html: post.html,
        publishedAt: post.publishedAt ?? post.createdAt,
        updatedAt: post.updatedAt,
      })),
      urls: absolute,
      publicUrl,
      updatedAt: 0,
    });
    return sendPage(request, reply, body, "application/atom+xml; charset=utf-8");
  });

  app.get<{ Params: Static<typeof PostParams>; Querystring: Static<typeof PostQuery> }>("/@:owner/:slug", { attachValidation: true, schema: { ...hide, params: PostParams, querystring: PostQuery } }, async (request, reply) => {
    if (request.validationError) return malformed(request, reply);
    const { slug } = request.params;
    const blog = await findBlog(request, reply, request.params.owner, `/${encodeURIComponent(slug)}`);
    if (!blog) return reply;
    const notFound = () => sendPage(request, reply, renderErrorPage(frame, 404, "post"), undefined, 404);
    const post = await blogs.getPostBySlug(blog.owner, slug, undefined).catch((error: unknown) => {
      if (isMirageError(error) && (error.code === ErrorCodes.notFound || error.code === ErrorCodes.invalidInput)) return undefined;
      throw error;
    });
    if (!post) return notFound();
    const cursor = request.query.comments;
    const thread = await comments.listComments(asPostId(post.id), undefined, { limit: COMMENTS_PER_PAGE, ...(cursor !== undefined ? { cursor } : {}) }).catch((error: unknown) => {
      if (badCursor(error)) return undefined;
      throw error;
    });
    if (!thread) return notFound();
    const [person, pageComments] = await Promise.all([data.people([post.author]), data.comments(thread.comments)]);
    const author = person(post.author);
    const here = local.post(blog.owner, post.slug);
    const image = absoluteImage(author.avatarUrl);
    return sendPage(
      request,
      reply,
      renderPostPage(frame, {
        meta: {
          title: post.title,
          description: excerpt(post.body) || blog.title,
          canonical: absolute.post(blog.owner, post.slug),
          type: "article",
          ...(image !== undefined ? { image } : {}),
          feed: { href: absolute.feed(blog.owner), title: `${blog.title} (Atom)` },
          publishedAt: post.publishedAt ?? post.createdAt,
          author: author.displayName,
        },
        id: post.id,
        title: post.title,
        author,
        blogHref: local.blog(blog.owner),
        blogTitle: blog.title,
        html: post.html,
        publishedAt: post.publishedAt ?? post.createdAt,
        updatedAt: post.updatedAt,
        reactions: reactions(post.reactions),
        comments: pageComments,
        commentCount: post.commentCount,
        commentsOpen: post.commentsOpen,
        ...(thread.next !== undefined ? { moreComments: `${here}?comments=${thread.next}` } : {}),
        signInHref: "/app/sign-in",
      }),
    );
  });
}
