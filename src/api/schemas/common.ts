import { Type, type Static } from "@sinclair/typebox";

/** Every error response. */
export const ErrorResponse = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String() }) },
  { $id: "ErrorResponse", description: "Error body: a stable code and a message for people." },
);

/** A Mirage account as anyone may see it. */
export const PublicUser = Type.Object(
  {
    name: Type.String(),
    displayName: Type.String(),
    avatarUrl: Type.String(),
    matrixId: Type.String({ description: "The account's Matrix user ID (its ghost)." }),
  },
  { $id: "PublicUser" },
);
export type PublicUserT = Static<typeof PublicUser>;

/** Where a browser client wants its refresh token: `cookie` keeps it out of page script (see README). */
export const RefreshIn = Type.Literal("cookie", {
  description: "`cookie`: the refresh token is set as the HttpOnly cookie `mirage_refresh` (Path=/api/v1/sessions) instead of returned in the body.",
});

export const Credentials = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    refreshIn: Type.Optional(RefreshIn),
  },
  { $id: "Credentials", additionalProperties: false },
);
export type CredentialsT = Static<typeof Credentials>;

export const RefreshRequest = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 512 }) },
  { $id: "RefreshRequest", additionalProperties: false },
);
export type RefreshRequestT = Static<typeof RefreshRequest>;

export const TokensResponse = Type.Object(
  {
    accessToken: Type.String({ description: "Bearer token for `Authorization: Bearer …`; short-lived." }),
    refreshToken: Type.Optional(Type.String({ description: "Single-use token for POST /api/v1/sessions/refresh; absent when it was set as the refresh cookie." })),
    expiresIn: Type.Integer({ description: "Seconds until the access token expires." }),
    user: Type.Ref(PublicUser),
  },
  { $id: "TokensResponse" },
);

/** Shared schemas, registered once so routes and the OpenAPI document refer to them by $ref. */
export const sharedSchemas = [ErrorResponse, PublicUser, Credentials, RefreshRequest, TokensResponse];

/** What an error status means wherever it is answered, beyond the error body's own words. */
const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  422: "CONTENT_TOO_COMPLEX: the text took longer than the per-document time limit to render; simplify its formatting.",
  429:
    "RATE_LIMITED, with Retry-After in seconds. Changes draw on a per-account write budget: one write, plus one more for " +
    "every `api.rateLimits.writeCostChars` characters of text the request carries (4000 by default), so long documents " +
    "cost more. Sign-up and log-in are limited per client IP.",
  503: "OVERLOADED: a capacity bound is reached (e.g. too many documents waiting to be rendered); retry after the Retry-After header's seconds.",
};

/** Standard error responses for a route's schema. */
export function errorResponses(...statuses: number[]): Record<number, unknown> {
  return Object.fromEntries(
    statuses.map((s) => [s, ERROR_DESCRIPTIONS[s] === undefined ? Type.Ref(ErrorResponse) : Type.Ref(ErrorResponse, { description: ERROR_DESCRIPTIONS[s] })]),
  );
}

/**
 * Adds the error answers the framework gives on its own to a route's documented responses:
 * 400 wherever input is validated, 413 wherever a body is read (over `api.bodyLimitBytes`).
 * Run from an `onRoute` hook so no route can forget them.
 */
export function documentFrameworkErrors(schema: { body?: unknown; params?: unknown; querystring?: unknown; response?: unknown } | undefined): void {
  const response = schema?.response as Record<string, unknown> | undefined;
  if (!response) return;
  if ((schema!.body || schema!.params || schema!.querystring) && !("400" in response)) response["400"] = Type.Ref(ErrorResponse);
  if (schema!.body && !("413" in response)) response["413"] = Type.Ref(ErrorResponse);
}
