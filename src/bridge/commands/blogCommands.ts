import type { BlogService } from "../../platform/blogs/BlogService.js";
import { BLOG_LIMITS } from "../../platform/blogs/contentRules.js";
import type { PostView } from "../../platform/blogs/Post.js";
import type { Command, CommandContext } from "../../platform/commands/Command.js";
import { renderHelp } from "../../platform/commands/renderHelp.js";
import { ErrorCodes, isMirageError, MirageError } from "../../platform/errors/MirageError.js";
import type { Person, PersonId } from "../../platform/people/Person.js";
import { people } from "../../platform/people/people.js";
import type { GhostAccounts } from "../../platform/ports/GhostAccounts.js";

export interface BlogCommandDeps {
  blogs: Pick<BlogService, "getBlog" | "updateBlog" | "listPosts" | "createPost" | "getPostBySlug" | "editPost" | "deletePost">;
  /** The alias of a blog's Matrix room (`BridgeNames.blogAlias`). */
  blogAlias(owner: PersonId): string;
  /** Web addresses of a blog and of one of its posts. */
  blogUrl(owner: PersonId): string;
  postUrl(owner: PersonId, slug: string): string;
  /** The Matrix user's display name, if they set one; the default title of their blog. */
  displayName(userId: string): Promise<string | undefined>;
  ghosts: GhostAccounts;
}

/** Posts shown by `!blog list`; the rest are counted. */
export const BLOG_LIST_LIMIT = 20;

/**
 * `!blog …`: a Matrix user keeps their blog from Matrix. Every command but help acts as the sender
 * on their own blog, and only where that is unambiguous (permission `blogOwner`: a DM with the bot
 * or the sender's own blog room, decided centrally). The blog's Matrix room is not made here: the
 * bridge relay creates it when the blog's settings change or a post is published.
 */
export function blogCommands(deps: BlogCommandDeps): Command[] {
  const { blogs } = deps;
  /** The sender's live post with that slug (their drafts included). */
  const postBySlug = async (ctx: CommandContext, slug: string): Promise<PostView> => {
    const me = owner(ctx);
    try {
      return await blogs.getPostBySlug(me.id, slug, me.person);
    } catch (error) {
      if (isMirageError(error) && error.code === ErrorCodes.notFound) {
        throw new MirageError(ErrorCodes.notFound, `You have no post with the slug "${slug}"; !blog list shows your posts.`);
      }
      throw error;
    }
  };
  const slugArg = { name: "slug", description: "the post's slug, as !blog list shows it", required: true };
  const setPost = (name: string, summary: string, patch: { published?: boolean; commentsOpen?: boolean }, done: (post: PostView) => string): Command => ({
    name,
    summary,
    permission: "blogOwner",
    args: [slugArg],
    async run(ctx) {
      const me = owner(ctx);
      const post = await postBySlug(ctx, ctx.args.slug!);
      const edited = await blogs.editPost(me.person, post.id, patch);
      ctx.reply(done(edited));
    },
  });

  return [
    {
      name: "blog help",
      aliases: ["blog"],
      summary: "list the blog commands",
      permission: "anyone",
      run(ctx) {
        const help = renderHelp(
          ctx.commands.filter((c) => c.name.startsWith("blog ")),
          "Blog commands (your own blog, in a DM with me or in your blog room)",
        );
        ctx.reply(help.text, help.html);
      },
    },
    {
      name: "blog create",
      summary: "make your blog (or retitle it); its Matrix room follows and you are invited",
      permission: "blogOwner",
      args: [{ name: "title", description: "the blog's title (default: your display name)", rest: true }],
      async run(ctx) {
        const me = owner(ctx);
        const existing = await existingBlog(blogs, me);
        const given = ctx.args.title;
        if (existing && given === undefined) {
          ctx.reply(`You have a blog already: "${existing.title}" at ${deps.blogUrl(me.id)} (room ${deps.blogAlias(me.id)}). Give a title to change it.`);
          return;
        }
        const title = given ?? (await deps.displayName(ctx.sender))?.trim().slice(0, BLOG_LIMITS.titleChars) ?? ctx.sender;
        const blog = await blogs.updateBlog(me.person, me.id, { title: title === "" ? ctx.sender : title });
        const where = `${deps.blogUrl(me.id)} — its Matrix room is ${deps.blogAlias(me.id)}`;
        ctx.reply(
          existing
            ? `Your blog is now titled "${blog.title}": ${where}.`
            : `Your blog "${blog.title}" is ready: ${where}; the room is being created and you will be invited. Write a post with !blog post <title> and the body on the lines below.`,
        );
      },
    },
    {
      name: "blog post",
      summary: "write a post: the title on the command's line, its Markdown on the lines below",
      permission: "blogOwner",
      flags: [{ name: "draft", description: "keep it unpublished (publish later with !blog publish)" }],
      args: [{ name: "title", description: "the post's title", required: true, rest: true }],
      text: { name: "body", description: "the post's Markdown", required: true },
      async run(ctx) {
        const me = owner(ctx);
        const draft = ctx.flags.has("draft");
        const post = await blogs.createPost(me.person, me.id, { title: ctx.args.title!, body: ctx.text, published: !draft });
        ctx.reply(
          draft
            ? `Saved the draft "${post.title}" (slug ${post.slug}); only you can see it. Publish it with !blog publish ${post.slug}.`
            : `Published "${post.title}" (slug ${post.slug}): ${deps.postUrl(me.id, post.slug)}`,
        );
      },
    },
    {
      name: "blog edit",
      summary: "change a post's title (after the slug) and/or its body (the lines below replace it)",
      permission: "blogOwner",
      args: [slugArg, { name: "title", description: "the new title (default: keep it)", rest: true }],
      text: { name: "body", description: "the new Markdown body (default: keep it)" },
      async run(ctx) {
        const me = owner(ctx);
        const title = ctx.args.title;
        if (title === undefined && ctx.text === "") {
          throw new MirageError(ErrorCodes.invalidInput, "Nothing to change: give a new title after the slug and/or the new body on the lines below.");
        }
        const post = await postBySlug(ctx, ctx.args.slug!);
        const edited = await blogs.editPost(me.person, post.id, {
          ...(title !== undefined ? { title } : {}),
          ...(ctx.text !== "" ? { body: ctx.text } : {}),
        });
        ctx.reply(`Edited "${edited.title}" (slug ${edited.slug}).`);
      },
    },
    setPost("blog publish", "publish a draft", { published: true }, (post) => `Published "${post.title}": ${deps.postUrl(post.blog, post.slug)}`),
    setPost("blog unpublish", "make a post a draft again (hidden from readers)", { published: false }, (post) => `"${post.title}" is a draft again; only you can see it.`),
    {
      name: "blog delete",
      summary: "delete a post",
      permission: "blogOwner",
      args: [slugArg],
      async run(ctx) {
        const me = owner(ctx);
        const post = await postBySlug(ctx, ctx.args.slug!);
        await blogs.deletePost(me.person, post.id);
        ctx.reply(`Deleted "${post.title}".`);
      },
    },
    {
      name: "blog list",
      summary: "your posts, newest first, drafts included",
      permission: "blogOwner",
      async run(ctx) {
        const me = owner(ctx);
        const blog = await existingBlog(blogs, me);
        if (!blog) throw noBlog();
        const { posts } = await blogs.listPosts(me.id, me.person, { limit: BLOG_LIST_LIMIT });
        const total = blog.postCount + (blog.draftCount ?? 0);
        if (posts.length === 0) {
          ctx.reply(`"${blog.title}" has no posts yet. Write one with !blog post <title> and the body on the lines below.`);
          return;
        }
        const lines = posts.map(
          (p) =>
            `• ${p.slug} — "${p.title}" (${p.published ? "published" : "draft"}, ${p.commentCount} comment${p.commentCount === 1 ? "" : "s"}${p.commentsOpen ? "" : ", comments closed"})`,
        );
        const more = total > posts.length ? `\n…and ${total - posts.length} more.` : "";
        ctx.reply(`"${blog.title}": ${blog.postCount} published, ${blog.draftCount ?? 0} draft(s) — ${deps.blogUrl(me.id)}\n${lines.join("\n")}${more}`);
      },
    },
    setPost("blog open", "open a post to new comments", { commentsOpen: true }, (post) => `Comments on "${post.title}" are open.`),
    setPost("blog close", "close a post to new comments (existing ones stay)", { commentsOpen: false }, (post) => `Comments on "${post.title}" are closed.`),
    blockCommand(deps, "block"),
    blockCommand(deps, "unblock"),
  ];
}

function blockCommand(deps: BlogCommandDeps, verb: "block" | "unblock"): Command {
  return {
    name: `blog ${verb}`,
    summary: verb === "block" ? "keep someone from commenting on your blog" : "let a blocked person comment again",
    permission: "blogOwner",
    args: [{ name: "user", description: "alice, @bob:example.org or bob@example.org", required: true }],
    async run(ctx) {
      const { person, id: me } = owner(ctx);
      const target = people.id(people.resolve(ctx.args.user!, deps.ghosts));
      if (target === me) throw new MirageError(ErrorCodes.invalidInput, "You cannot block yourself: the owner may always comment on their blog.");
      const blog = await existingBlog(deps.blogs, { person, id: me });
      if (!blog) throw noBlog();
      const blocked = blog.blockedCommenters ?? [];
      const listed = blocked.includes(target);
      if (verb === "block" ? listed : !listed) {
        ctx.reply(verb === "block" ? `${target} is blocked already.` : `${target} is not blocked.`);
        return;
      }
      const next = verb === "block" ? [...blocked, target] : blocked.filter((id) => id !== target);
      await deps.blogs.updateBlog(person, me, { blockedCommenters: next });
      ctx.reply(verb === "block" ? `Blocked ${target}: they can no longer comment on your blog.` : `Unblocked ${target}: they may comment again.`);
    },
  };
}

/** The sender, who acts on their own blog (a Matrix user: ghosts never run commands). */
function owner(ctx: CommandContext): { person: Person; id: PersonId } {
  const person = people.fromId(ctx.sender);
  return { person, id: people.id(person) };
}

/** The sender's blog as its owner sees it, or undefined when they have none yet. */
async function existingBlog(blogs: BlogCommandDeps["blogs"], me: { person: Person; id: PersonId }) {
  try {
    return await blogs.getBlog(me.id, me.person);
  } catch (error) {
    if (isMirageError(error) && error.code === ErrorCodes.notFound) return undefined;
    throw error;
  }
}

function noBlog(): MirageError {
  return new MirageError(ErrorCodes.notFound, "You have no blog yet: make it with !blog create [title].");
}
