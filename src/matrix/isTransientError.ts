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

/** Failures to open a connection at all: nothing about any one request, the homeserver is just not there. */
const NOT_CONNECTED = /^(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|UND_ERR_CONNECT_TIMEOUT)$/;

/**
 * True when no connection to the homeserver could be made (refused, no route, no address):
 * an outage that concerns every event alike, so it must not count against any one event's
 * retry budget. Timeouts and resets are not included: a homeserver that hangs on one
 * request (a slow federated join) must not stall every room; a general hang is caught by
 * the homeserver monitor instead.
 */
export function isUnreachableError(error: unknown): boolean {
  for (let e = error as { statusCode?: unknown; code?: unknown; cause?: unknown } | undefined, depth = 0; e && typeof e === "object" && depth < 8; depth++) {
    if (typeof e.statusCode === "number") return false;
    if (typeof e.code === "string" && NOT_CONNECTED.test(e.code)) return true;
    e = e.cause as typeof e;
  }
  return false;
}
