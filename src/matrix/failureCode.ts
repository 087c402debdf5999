/**
 * A short, content-free description of a failure for logs and dead letters: the HTTP
 * status and Matrix errcode when the homeserver answered, else the error's code or name.
 */
export function failureCode(error: unknown): string {
  const e = error as { statusCode?: unknown; errcode?: unknown; body?: { errcode?: unknown }; code?: unknown; name?: unknown } | null;
  if (!e || typeof e !== "object") return "unknown";
  if (typeof e.statusCode === "number") {
    const errcode = typeof e.errcode === "string" ? e.errcode : typeof e.body?.errcode === "string" ? e.body.errcode : undefined;
    return errcode && /^[A-Z0-9_.]{1,64}$/i.test(errcode) ? `${e.statusCode} ${errcode}` : String(e.statusCode);
  }
  if (typeof e.code === "string" && /^[A-Z0-9_]{1,64}$/i.test(e.code)) return e.code;
  return typeof e.name === "string" && /^[A-Za-z]{1,64}$/.test(e.name) ? e.name : "unknown";
}
