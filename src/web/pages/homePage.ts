import { html } from "../html.js";
import type { Pager, PageMeta, PostSummary } from "./pageModels.js";
import { pager, postList } from "./pageParts.js";
import { renderPublicPage, type PageFrame } from "./renderPublicPage.js";

export interface HomePageModel {
  meta: PageMeta;
  posts: PostSummary[];
  pager: Pager;
}

/** `/`: this instance, its recent public posts across blogs, and where to sign up or in. */
export function renderHomePage(frame: PageFrame, model: HomePageModel): string {
  return renderPublicPage(
    frame,
    model.meta,
    html`<section class="intro" aria-labelledby="intro-title">
<h1 id="intro-title">${frame.site.name}</h1>
<p>Blogs and chat that live in Matrix. Read along here; sign in to comment, react and chat.</p>
<p class="actions"><a class="button" href="/app/sign-up">Sign up</a> <a class="button secondary" href="/app/sign-in">Sign in</a></p>
</section>
<section aria-labelledby="recent-title">
<h2 id="recent-title">Recent posts</h2>
${postList(model.posts, { showAuthor: true, empty: "Nothing published yet." })}
${pager(model.pager)}
</section>`,
  );
}
