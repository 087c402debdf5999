import type { MessagePort } from "node:worker_threads";
import { workerData } from "node:worker_threads";
import { mediaUrlUnder } from "../platform/render/createMarkdownRenderer.js";
import { externalImageUrlUnder } from "../platform/render/externalImageUrl.js";
import { renderDocument, type RenderTask } from "../platform/render/renderDocument.js";
import { renderedOrError, type RenderJob, type RenderOutcome } from "./renderJob.js";

const data = workerData as { publicUrl: string; externalImageKey?: string };
const mediaUrl = mediaUrlUnder(data.publicUrl);
const external = data.externalImageKey === undefined ? undefined : externalImageUrlUnder(data.publicUrl, data.externalImageKey);

/** Piscina's entry point: says it started (the pool's time limit counts from here), then renders. */
export default function renderInWorker(job: RenderJob): RenderOutcome {
  start(job.started);
  return renderedOrError(() => renderDocument(job.task satisfies RenderTask, mediaUrl, external));
}

function start(port: MessagePort): void {
  port.postMessage(0);
  port.close();
}
