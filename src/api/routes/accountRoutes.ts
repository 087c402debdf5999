import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AccountService, IssuedTokens } from "../../platform/accounts/AccountService.js";
import type { Account } from "../../platform/accounts/Account.js";
import { loginSource } from "../../platform/accounts/loginSource.js";
import { ErrorCodes, MirageError } from "../../platform/errors/MirageError.js";
import { authenticate } from "../authenticate.js";
import { clearedRefreshCookie, readRefreshCookie, refreshCookie } from "../refreshCookie.js";
import { requireCsrfSafe } from "../requireCsrfSafe.js";
import { errorResponses, type CredentialsT, type PublicUserT, type RefreshRequestT } from "../schemas/common.js";

export interface AccountRoutesOptions {
  accounts: AccountService;
  matrixIdFor(name: string): string;
  limits: { signUpPerHourPerIp: number; loginPerMinutePerIp: number };
}

export function publicUser(account: Account, matrixIdFor: (name: string) => string): PublicUserT {
  return { name: account.name, displayName: account.displayName, avatarUrl: account.avatarUrl, matrixId: matrixIdFor(account.name) };
}

const COOKIE_NOTE =
  'With `"refreshIn": "cookie"` the refresh token is not in the answer: it is set as the cookie `mirage_refresh` ' +
  "(HttpOnly; Secure; SameSite=Strict; Path=/api/v1/sessions) for POST /api/v1/sessions/refresh and DELETE /api/v1/sessions.";
const CSRF_NOTE = "Calls that use the cookie need the header `X-Mirage-CSRF: 1` and, when an `Origin` is sent, this server's own origin: else 403 CSRF_REJECTED.";

/**
 * Sign up, log in, refresh, log out. Rate-limited per IP here, and failed log-ins per account and source in the service.
 * A browser may keep its refresh token in an HttpOnly cookie instead of in script (`refreshIn: "cookie"`); calls that
 * then authenticate by that cookie are checked against cross-site request forgery (see requireCsrfSafe).
 */
export async function accountRoutes(app: FastifyInstance, opts: AccountRoutesOptions): Promise<void> {
  const answer = (issued: IssuedTokens, reply: FastifyReply, inCookie: boolean) => {
    if (inCookie) reply.header("set-cookie", refreshCookie(issued.refreshToken, issued.refreshExpiresIn));
    return {
      accessToken: issued.accessToken,
      ...(inCookie ? {} : { refreshToken: issued.refreshToken }),
      expiresIn: issued.expiresIn,
      user: publicUser(issued.account, opts.matrixIdFor),
    };
  };
  const perIp = (max: number, timeWindow: string) => ({ rateLimit: { max, timeWindow } });
  /** The refresh cookie of a call that authenticates by it, after the CSRF checks; 401 without one. */
  const cookieToken = (request: FastifyRequest): string => {
    requireCsrfSafe(request);
    const token = readRefreshCookie(request.headers.cookie);
    if (token === undefined) throw new MirageError(ErrorCodes.unauthenticated, "no refresh token: send it in the body or the refresh cookie; else log in again");
    return token;
  };

  app.post<{ Body: CredentialsT }>(
    "/api/v1/accounts",
    {
      config: perIp(opts.limits.signUpPerHourPerIp, "1 hour"),
      schema: {
        summary: "Sign up",
        description:
          "400 NAME_RESERVED for names reserved for Mirage and its staff (or lookalikes of them); 409 CONFLICT if the name is taken, " +
          `NAME_CONFUSABLE if it looks like (UTS #39 skeleton) another account's username or display name. ${COOKIE_NOTE}`,
        tags: ["accounts"],
        body: { $ref: "SignUpRequest#" },
        response: { 201: { $ref: "TokensResponse#" }, ...errorResponses(400, 409, 429) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(answer(await opts.accounts.signUp(request.body.username, request.body.password), reply, request.body.refreshIn === "cookie")),
  );

  app.post<{ Body: CredentialsT }>(
    "/api/v1/sessions",
    {
      config: perIp(opts.limits.loginPerMinutePerIp, "1 minute"),
      schema: {
        summary: "Log in",
        description: COOKIE_NOTE,
        tags: ["accounts"],
        body: { $ref: "Credentials#" },
        response: { 200: { $ref: "TokensResponse#" }, ...errorResponses(400, 401, 429) },
      },
    },
    async (request, reply) =>
      answer(await opts.accounts.logIn(request.body.username, request.body.password, loginSource(request.ip)), reply, request.body.refreshIn === "cookie"),
  );

  app.post<{ Body: RefreshRequestT | undefined }>(
    "/api/v1/sessions/refresh",
    {
      config: perIp(opts.limits.loginPerMinutePerIp, "1 minute"),
      schema: {
        summary: "Exchange a refresh token for new tokens (the old refresh token stops working)",
        description:
          "The token comes in the body, or, with no body at all, from the refresh cookie; then the answer has no `refreshToken` and the cookie " +
          `is replaced by the new one (cleared when the token is refused). ${CSRF_NOTE}`,
        tags: ["accounts"],
        // Keyed by media type, so a call without a body (the cookie's) is not validated as an empty JSON body.
        body: { content: { "application/json": { schema: { $ref: "RefreshRequest#" } } } },
        response: { 200: { $ref: "TokensResponse#" }, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      if (request.body !== undefined) return answer(await opts.accounts.refresh(request.body.refreshToken), reply, false);
      const token = cookieToken(request);
      try {
        return answer(await opts.accounts.refresh(token), reply, true);
      } catch (error) {
        // A refused token stays refused: the browser need not keep sending it.
        reply.header("set-cookie", clearedRefreshCookie());
        throw error;
      }
    },
  );

  const bearer = authenticate(opts.accounts);
  app.delete(
    "/api/v1/sessions",
    {
      // A bearer token names the session; without one, the refresh cookie does.
      preValidation: async (request, reply) => {
        if (request.headers.authorization !== undefined || readRefreshCookie(request.headers.cookie) === undefined) await bearer(request, reply);
      },
      schema: {
        summary: "Log out: ends this session (its access and refresh tokens)",
        description: `With a bearer token, ends its session; without one, the session of the refresh cookie. Either way a refresh cookie sent along is cleared and its session ended. ${CSRF_NOTE}`,
        tags: ["accounts"],
        security: [{ bearer: [] }, { refreshCookie: [] }],
        response: { 204: { type: "null" }, ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const cookie = readRefreshCookie(request.headers.cookie);
      if (request.auth) {
        await opts.accounts.logOut(request.auth.session);
        // A bearer call cannot be forged cross-site; the browser's cookie session ends with it.
        if (cookie !== undefined) await opts.accounts.logOutByRefreshToken(cookie);
      } else await opts.accounts.logOutByRefreshToken(cookieToken(request));
      if (cookie !== undefined) reply.header("set-cookie", clearedRefreshCookie());
      return reply.code(204).send();
    },
  );
}
