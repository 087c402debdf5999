import type { ProfileSanitizer } from "../accounts/ProfileService.js";
import type { MarkdownRenderer } from "../ports/MarkdownRenderer.js";
import type { ExternalImageUrl } from "./externalImageUrl.js";
import { renderDocument, type RenderTask } from "./renderDocument.js";

/** `mxc://server/id` → where Mirage's web side serves that media. */
export type MediaUrl = (mxc: string) => string;

/** Runs a render task somewhere (inline, or on a worker thread) and resolves to its output. */
export type RunRenderTask = (task: RenderTask) => Promise<string>;

/** Renders on the calling thread: for tests, benchmarks and tools; the app uses a worker pool. */
export function renderInline(mediaUrl: MediaUrl, externalImageUrl?: ExternalImageUrl): RunRenderTask {
  return async (task) => renderDocument(task, mediaUrl, externalImageUrl);
}

/** The Markdown renderer the services use: web HTML for pages and the API, Matrix HTML for `formatted_body`. */
export function createMarkdownRenderer(run: RunRenderTask): MarkdownRenderer {
  return {
    toWebHtml: (text) => run({ kind: "web", text }),
    toMatrixHtml: (text) => run({ kind: "matrix", text }),
  };
}

/** The profile sanitizers: bio as Markdown, the owner's HTML and CSS by their allowlists. */
export function createProfileSanitizer(run: RunRenderTask): ProfileSanitizer {
  return {
    bioHtml: (text) => run({ kind: "web", text }),
    html: (text) => run({ kind: "profileHtml", text }),
    css: (text) => run({ kind: "profileCss", text }),
  };
}

/** Media links for pages: `<publicUrl>/media/<server>/<id>`. */
export function mediaUrlUnder(publicUrl: string): MediaUrl {
  const base = publicUrl.replace(/\/+$/, "");
  return (mxc) => {
    const [server, id] = mxc.slice("mxc://".length).split("/", 2);
    return `${base}/media/${encodeURIComponent(server ?? "")}/${encodeURIComponent(id ?? "")}`;
  };
}
