/**
 * True for failures worth retrying later: the homeserver is unreachable, overloaded or
 * rate-limiting. A 4xx other than 429 is a definite answer and is not retried.
 */
export function isTransientError(error: unknown): boolean {
  const e = error as { statusCode?: unknown; code?: unknown; cause?: unknown; name?: unknown } | null;
  if (!e || typeof e !== "object") return false;
  if (typeof e.statusCode === "number") return e.statusCode >= 500 || e.statusCode === 429;
  const code = typeof e.code === "string" ? e.code : "";
  if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ESOCKETTIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|UND_ERR_.*)$/.test(code)) {
    return true;
  }
  if (e.name === "AbortError" || e.name === "TimeoutError") return true;
  if (e.name === "TypeError" && String((e as Error).message).includes("fetch failed")) return true;
  return e.cause !== undefined && e.cause !== error ? isTransientError(e.cause) : false;
}

/**
 * True when the homeserver could not be reached at all (no HTTP answer): an outage that
 * concerns every event alike, so it must not count against any one event's retry budget.
 */
export function isUnreachableError(error: unknown): boolean {
  if (!isTransientError(error)) return false;
  for (let e = error as { statusCode?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 8; depth++) {
    if (typeof e.statusCode === "number") return false;
    e = e.cause as typeof e;
  }
  return true;
}
