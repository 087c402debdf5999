/**
 * Turns a failed `POST /_matrix/client/v1/appservice/{id}/ping` into advice. The homeserver
 * reports why it could not reach us in `errcode` (Matrix v1.7 appservice ping).
 */
export function diagnosePingFailure(error: unknown): string {
  const e = error as { statusCode?: number; errcode?: string; body?: Record<string, unknown> };
  const errcode = e.errcode ?? (e.body?.errcode as string | undefined);
  switch (errcode) {
    case "M_URL_NOT_SET":
      return "the registration has no url, so the homeserver cannot send Mirage anything; regenerate it with --url";
    case "M_CONNECTION_FAILED":
      return "the homeserver cannot connect to Mirage at the registration's url: check appservice.bindAddress/port and the url in the registration";
    case "M_CONNECTION_TIMEOUT":
      return "the homeserver's connection to Mirage timed out: check firewalls between them";
    case "M_BAD_STATUS":
      return `Mirage refused the homeserver's ping (status ${String(e.body?.status ?? "?")}): the hs_token the homeserver loaded differs from Mirage's registration file; restart the homeserver after changing it`;
    case "M_FORBIDDEN":
      return "the homeserver says this as_token may not ping that appservice id: the registration ids differ";
    case "M_UNRECOGNIZED":
      return "the homeserver does not support the appservice ping API (Matrix v1.7); connectivity is unverified";
    default:
      return `the appservice ping failed (${errcode ?? (e.statusCode ? `HTTP ${e.statusCode}` : String((error as Error)?.message ?? error))})`;
  }
}
