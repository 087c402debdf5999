import type { MessagePort } from "node:worker_threads";
import { workerData } from "node:worker_threads";
import { mediaUrlUnder } from "../platform/render/createMarkdownRenderer.js";
import { renderDocument, type RenderTask } from "../platform/render/renderDocument.js";
import { renderedOrError, type RenderJob, type RenderOutcome } from "./renderJob.js";

const mediaUrl = mediaUrlUnder((workerData as { publicUrl: string }).publicUrl);

/** Piscina's entry point: says it started (the pool's time limit counts from here), then renders. */
export default function renderInWorker(job: RenderJob): RenderOutcome {
  start(job.started);
  return renderedOrError(() => renderDocument(job.task satisfies RenderTask, mediaUrl));
}

function start(port: MessagePort): void {
  port.postMessage(0);
  port.close();
}
