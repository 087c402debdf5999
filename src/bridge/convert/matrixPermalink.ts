import { MATRIX_ID } from "../../platform/people/people.js";

/** What a Matrix link points at, as far as conversion cares: a user (a pill), a room or event, or nothing Matrix. */
export type MatrixPermalink = { kind: "user"; userId: string } | { kind: "room" } | undefined;

const MATRIX_TO = "https://matrix.to/#/";

/**
 * Reads a `https://matrix.to/#/…` permalink or a `matrix:` URI (spec "Uniform Resource Identifiers"):
 * `@user:server` / `matrix:u/user:server` is a user; `#alias`, `!room` (with or without an event) is
 * a room. Percent-encoding is decoded; anything malformed is `undefined` (an ordinary link).
 */
export function parseMatrixPermalink(href: string): MatrixPermalink {
  if (href.length > 2048) return undefined;
  if (href.startsWith(MATRIX_TO)) {
    const first = decode(href.slice(MATRIX_TO.length).split(/[?/]/, 1)[0] ?? "");
    if (first === undefined) return undefined;
    if (first.startsWith("@")) return isUserId(first) ? { kind: "user", userId: first } : undefined;
    return first.startsWith("#") || first.startsWith("!") ? { kind: "room" } : undefined;
  }
  if (href.startsWith("matrix:")) {
    const [type, id] = href.slice("matrix:".length).split(/[?#]/, 1)[0]!.split("/");
    const decoded = id === undefined ? undefined : decode(id);
    if (decoded === undefined) return undefined;
    if (type === "u") return isUserId(`@${decoded}`) ? { kind: "user", userId: `@${decoded}` } : undefined;
    return type === "r" || type === "roomid" ? { kind: "room" } : undefined;
  }
  return undefined;
}

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

function isUserId(id: string): boolean {
  return id.length <= 255 && MATRIX_ID.test(id);
}
