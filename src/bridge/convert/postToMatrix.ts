import { escapeHtml } from "../../platform/render/escapeHtml.js";

/** The namespaced content field naming the Mirage post an event stands for. */
export const POST_FIELD = "org.mirage.post";

export interface PostFacts {
  id: string;
  /** The blog's owner. */
  blog: string;
  title: string;
  slug: string;
  /** Markdown source. */
  body: string;
}

/**
 * The Matrix content of a published post (without relations: the outbox adds those): `body` is the
 * title, a blank line, the Markdown source, a blank line and the post's web address;
 * `formatted_body` the title as `<h1>`, the body already rendered under the Matrix allowlist and a
 * link to the page; `org.mirage.post` names the post. `m.mentions` is empty: a post pings nobody.
 */
export function postToMatrix(post: PostFacts, matrixHtml: string, url: string): Record<string, unknown> {
  const link = escapeHtml(url);
  return {
    msgtype: "m.text",
    body: `${post.title}\n\n${post.body}\n\n${url}`,
    format: "org.matrix.custom.html",
    formatted_body: `<h1>${escapeHtml(post.title)}</h1>${matrixHtml}<p><a href="${link}">${link}</a></p>`,
    [POST_FIELD]: { id: post.id, blog: post.blog, slug: post.slug, url },
    "m.mentions": {},
  };
}

/**
 * The web address of a post: `<publicUrl>/@<owner>/<slug>`, each part percent-encoded as a path
 * segment except `@` and `:`, which a Matrix owner's ID keeps readable.
 */
export function postUrl(publicUrl: string, owner: string, slug: string): string {
  return `${blogUrl(publicUrl, owner)}/${segment(slug)}`;
}

/** The web address of a blog: `<publicUrl>/@<owner>`. */
export function blogUrl(publicUrl: string, owner: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/@${segment(owner)}`;
}

const segment = (part: string) => encodeURIComponent(part).replace(/%40/g, "@").replace(/%3A/gi, ":");
