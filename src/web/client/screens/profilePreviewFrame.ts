import { h, setSanitizedHtml } from "../dom.js";

export interface ProfilePreviewContent {
  displayName: string;
  handle: string;
  /** Server-sanitized, as the public profile shows them. */
  bioHtml: string;
  html: string;
  css: string;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The public profile's body as its page lays it out, in a frame that runs no script (`sandbox`
 * without `allow-scripts`). The frame is same-origin only so this page can write into it; it
 * inherits this page's CSP, which refuses `<style>` and `style=""`, so the owner's sanitized CSS
 * is applied as a constructed stylesheet (CSSOM, which the CSP does not govern) instead of
 * loosening the policy. `stylesheets` are the public pages' own (same-origin) stylesheets.
 */
export function profilePreviewFrame(stylesheets: readonly string[]): { element: HTMLIFrameElement; show(content: ProfilePreviewContent): void } {
  const frame = h("iframe", { class: "profile-preview-frame", title: "Preview of your public profile" });
  frame.setAttribute("sandbox", "allow-same-origin");
  frame.setAttribute("referrerpolicy", "no-referrer");
  let latest: ProfilePreviewContent | undefined;
  let loaded = false;

  const fill = () => {
    const doc = frame.contentDocument;
    const win = frame.contentWindow as (Window & typeof globalThis) | null;
    if (!latest || !doc || !win) return;
    doc.getElementById("profile-name")!.textContent = latest.displayName;
    doc.getElementById("profile-handle")!.textContent = latest.handle;
    const bio = doc.getElementById("profile-bio")!;
    setSanitizedHtml(bio, latest.bioHtml);
    bio.hidden = latest.bioHtml === "";
    const custom = doc.getElementById("profile-custom")!;
    setSanitizedHtml(custom, latest.html);
    custom.hidden = latest.html === "";
    // Made in the frame's own realm: a constructed sheet is adopted only by its own document.
    const sheet = new win.CSSStyleSheet();
    sheet.replaceSync(latest.css);
    doc.adoptedStyleSheets = [sheet];
    frame.dataset.previewed = String(Number(frame.dataset.previewed ?? "0") + 1);
  };

  frame.addEventListener("load", () => {
    loaded = true;
    fill();
  });
  frame.srcdoc = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Profile preview</title>${stylesheets
    .map((href) => `<link rel="stylesheet" href="${escape(href)}">`)
    .join("")}</head><body class="profile-preview"><main><section class="profile" aria-labelledby="profile-name"><div class="profile-card"><div><h1 id="profile-name"></h1><p class="handle" id="profile-handle"></p></div></div><div class="bio" id="profile-bio" hidden></div><div class="mirage-profile" id="profile-custom" hidden></div></section></main></body></html>`;

  return {
    element: frame,
    show(content) {
      latest = content;
      if (loaded) fill();
    },
  };
}
