/** What the editors do with time and failures; no DOM here, so it runs under Node in tests. */
import { ApiFailure } from "./transport.js";

/** The field a refusal is about: the server names it in its message (`displayName must …`, `body/title must …`). */
export function fieldOfFailure<K extends string>(error: unknown, names: readonly K[]): K | undefined {
  if (!(error instanceof ApiFailure) || error.status !== 400) return undefined;
  // Schema refusals start with where the value was (`body/title must …`); the service's with the field.
  const message = error.message.replace(/^(body|querystring|params)\//, "");
  return names.find((name) => new RegExp(`^${name}\\b`).test(message));
}

/** A refusal in words a person can act on; their text is never lost, so the message says so where it matters. */
export function describeFailure(error: unknown, fallback: string): string {
  if (!(error instanceof ApiFailure)) return fallback;
  if (error.code === "NETWORK") return "The server could not be reached. Nothing you typed is lost; try again.";
  if (error.status === 429) return `Too many changes in a short time. Try again in ${Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000))} s.`;
  if (error.status === 503) return "The server is busy. Try again in a moment.";
  if (error.status === 422) return "This text takes too long to render. Simplify its formatting.";
  return error.message;
}

/** Calls `fn` once input has paused for `ms`. */
export function debounce(fn: () => void, ms: number): { (): void; cancel(): void; flush(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    clearTimeout(timer);
    timer = setTimeout(fire, ms);
  };
  function fire() {
    timer = undefined;
    fn();
  }
  run.cancel = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  run.flush = () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    fire();
  };
  return run;
}

/**
 * Runs `work` for the newest input only, one at a time: input given while a run is in flight
 * waits for it, and only the last of it runs next. Stale answers never overwrite newer ones.
 * `work` reports its own failures; one that escapes it does not stop the runs after it.
 */
export function latestOnly<T>(work: (input: T) => Promise<void>): (input: T) => void {
  let running = false;
  let pending: { input: T } | undefined;
  const next = async (input: T): Promise<void> => {
    running = true;
    try {
      await work(input);
    } catch {
      // Reported by `work`; the next input still runs.
    } finally {
      running = false;
      const queued = pending;
      pending = undefined;
      if (queued) void next(queued.input);
    }
  };
  return (input) => {
    if (running) pending = { input };
    else void next(input);
  };
}
