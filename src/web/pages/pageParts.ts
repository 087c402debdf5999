import { html, type SafeHtml } from "../html.js";
import type { PageMeta, PagePerson, Pager, PostSummary } from "./pageModels.js";

const DATE = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

/** A time readable without script; `datetime` carries the exact instant. */
export function timeTag(ms: number): SafeHtml {
  const at = new Date(ms);
  return html`<time datetime="${at.toISOString()}">${DATE.format(at)}</time>`;
}

/** The page chrome around `content`: header with the site's navigation, the main landmark, footer. */
export function chrome(content: SafeHtml, options: { siteName: string }): SafeHtml {
  return html`<header class="site-header">
<a class="site-name" href="/">${options.siteName}</a>
<nav class="site-nav" aria-label="Site"><ul>
<li><a href="/">Recent posts</a></li>
<li><a href="/app/sign-in" data-signed-out>Sign in</a></li>
<li><a href="/app/sign-up" data-signed-out>Sign up</a></li>
</ul></nav>
</header>
<main id="main" class="site-main" tabindex="-1">${content}</main>
<footer class="site-footer"><p>Powered by Mirage: every blog here is also a Matrix room, and its comments are the post's thread. <a href="/app/">Open the chat</a></p></footer>`;
}

/** An avatar of fixed size (no layout shift); initials when there is no image. */
export function avatar(person: PagePerson, size: 32 | 48 | 96): SafeHtml {
  if (person.avatarUrl !== undefined) {
    return html`<img class="avatar avatar-${String(size)}" src="${person.avatarUrl}" alt="" width="${String(size)}" height="${String(size)}" loading="lazy" decoding="async">`;
  }
  const initial = [...person.displayName.trim()][0]?.toUpperCase() ?? "?";
  return html`<span class="avatar avatar-${String(size)} avatar-initial" aria-hidden="true">${initial}</span>`;
}

/** A person's name, linked to their blog when they have one. */
export function personName(person: PagePerson): SafeHtml {
  return person.href !== undefined ? html`<a class="person" href="${person.href}">${person.displayName}</a>` : html`<span class="person">${person.displayName}</span>`;
}

export function postList(posts: readonly PostSummary[], options: { showAuthor: boolean; empty: string }): SafeHtml {
  if (posts.length === 0) return html`<p class="empty">${options.empty}</p>`;
  const items = posts.map(
    (post) => html`<li><article class="post-summary">
<h3><a href="${post.href}">${post.title}</a></h3>
<p class="byline">${options.showAuthor ? html`${avatar(post.author, 32)} ${personName(post.author)} · ` : html``}${timeTag(post.publishedAt)} · ${plural(post.commentCount, "comment")}${post.reactionCount > 0 ? html` · ${plural(post.reactionCount, "reaction")}` : html``}</p>
${post.excerpt !== "" ? html`<p class="excerpt">${post.excerpt}</p>` : html``}
</article></li>`,
  );
  return html`<ol class="post-list">${items}</ol>`;
}

export function pager(links: Pager): SafeHtml {
  if (links.older === undefined && links.newest === undefined) return html``;
  return html`<nav class="pager" aria-label="Pages">
${links.newest !== undefined ? html`<a href="${links.newest}" rel="prev">Newest</a>` : html``}
${links.older !== undefined ? html`<a href="${links.older}" rel="next">Older posts</a>` : html``}
</nav>`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** Canonical link, description, OpenGraph and Twitter card meta, and the feed's alternate link. */
export function headMeta(meta: PageMeta, siteName: string): SafeHtml {
  return html`<link rel="canonical" href="${meta.canonical}">
<meta property="og:site_name" content="${siteName}">
<meta property="og:type" content="${meta.type}">
<meta property="og:title" content="${meta.title}">
<meta property="og:description" content="${meta.description}">
<meta property="og:url" content="${meta.canonical}">
${meta.image !== undefined ? html`<meta property="og:image" content="${meta.image}">` : html``}
${meta.publishedAt !== undefined ? html`<meta property="article:published_time" content="${new Date(meta.publishedAt).toISOString()}">` : html``}
${meta.author !== undefined ? html`<meta property="article:author" content="${meta.author}">` : html``}
<meta name="twitter:card" content="summary">
<meta name="twitter:title" content="${meta.title}">
<meta name="twitter:description" content="${meta.description}">
${meta.image !== undefined ? html`<meta name="twitter:image" content="${meta.image}">` : html``}
${meta.feed !== undefined ? html`<link rel="alternate" type="application/atom+xml" title="${meta.feed.title}" href="${meta.feed.href}">` : html``}`;
}

/** Plain text of at most `max` characters from Markdown source, for summaries and descriptions. */
export function excerpt(markdown: string, max = 200): string {
  const text = markdown
    .replace(/```[\s\S]*?```/g, " ")
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[#>*_`~|-]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("").trimEnd()}…`;
}
