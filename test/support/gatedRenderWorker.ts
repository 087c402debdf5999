import { threadId, workerData } from "node:worker_threads";
import renderInWorker from "../../src/workers/renderWorker.js";
import type { RenderJob, RenderOutcome } from "../../src/workers/renderJob.js";

/**
 * The real render thread, plus test-only texts: `spin…` never finishes (like a document that takes
 * forever), `gate…` waits until the test opens `workerData.gate`, `thread…` answers its thread id.
 */
export default function gatedRenderWorker(job: RenderJob): RenderOutcome {
  const text = job.task.text;
  if (text.startsWith("spin")) {
    job.started.postMessage(0);
    job.started.close();
    for (;;);
  }
  if (text.startsWith("gate")) Atomics.wait(new Int32Array((workerData as { gate: SharedArrayBuffer }).gate), 0, 0);
  if (text.startsWith("thread")) {
    job.started.postMessage(0);
    job.started.close();
    return { html: String(threadId) };
  }
  return renderInWorker(job);
}
