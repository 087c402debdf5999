import { html } from "../html.js";
import { renderPublicPage, type PageFrame } from "./renderPublicPage.js";

/** 404 (nothing here) and 410 (it was here and is gone) pages, in the same chrome as the rest. */
export function renderErrorPage(frame: PageFrame, status: 404 | 410, what: string): string {
  const title = status === 410 ? "Gone" : "Not found";
  const text = status === 410 ? `This ${what} was deleted.` : `There is no ${what} at this address.`;
  return renderPublicPage(
    frame,
    { title, description: text },
    html`<section class="error-page" aria-labelledby="error-title">
<h1 id="error-title">${title}</h1>
<p>${text}</p>
<p><a href="/">See the recent posts</a></p>
</section>`,
  );
}
