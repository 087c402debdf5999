import { ErrorCodes, MirageError } from "../errors/MirageError.js";

/** A Matrix server name that passed {@link parseMediaRef}: safe to use as one URL path segment. */
export type ServerName = string & { readonly __brand: "ServerName" };
/** A Matrix media id that passed {@link parseMediaRef}. */
export type MediaId = string & { readonly __brand: "MediaId" };

/** `mxc://<server>/<mediaId>`, split and checked. */
export interface MediaRef {
  server: ServerName;
  mediaId: MediaId;
}

/** Longest server name: a 255-character host, a colon and a 5-digit port. */
export const SERVER_NAME_MAX_LENGTH = 261;
export const MEDIA_ID_MAX_LENGTH = 255;

/**
 * The spec's server name grammar (DNS name or IPv4, or a bracketed IPv6 literal, then an
 * optional port), made stricter on one point: DNS labels are never empty, so `.` and `..`
 * (which URL parsers treat as path steps) never match.
 */
export const SERVER_NAME_PATTERN = "^(?:[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63})*|\\[[0-9A-Fa-f:.]{2,45}\\])(?::[0-9]{1,5})?$";
/** The spec's media id characters. */
export const MEDIA_ID_PATTERN = "^[A-Za-z0-9_-]+$";

const serverName = new RegExp(SERVER_NAME_PATTERN);
const mediaId = new RegExp(MEDIA_ID_PATTERN);

export function isServerName(value: string): value is ServerName {
  return value.length <= SERVER_NAME_MAX_LENGTH && serverName.test(value);
}

export function isMediaId(value: string): value is MediaId {
  return value.length <= MEDIA_ID_MAX_LENGTH && mediaId.test(value);
}

/** Checks both parts of a media reference; INVALID_INPUT when either is malformed. */
export function parseMediaRef(server: string, id: string): MediaRef {
  if (!isServerName(server)) throw new MirageError(ErrorCodes.invalidInput, "Not a Matrix server name.");
  if (!isMediaId(id)) throw new MirageError(ErrorCodes.invalidInput, "Not a Matrix media id.");
  return { server, mediaId: id };
}
