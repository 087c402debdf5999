import type { FastifyInstance } from "fastify";
import type { AccountService, IssuedTokens } from "../../platform/accounts/AccountService.js";
import type { Account } from "../../platform/accounts/Account.js";
import { loginSource } from "../../platform/accounts/loginSource.js";
import { authenticate } from "../authenticate.js";
import { errorResponses, type CredentialsT, type PublicUserT, type RefreshRequestT } from "../schemas/common.js";

export interface AccountRoutesOptions {
  accounts: AccountService;
  matrixIdFor(name: string): string;
  limits: { signUpPerHourPerIp: number; loginPerMinutePerIp: number };
}

export function publicUser(account: Account, matrixIdFor: (name: string) => string): PublicUserT {
  return { name: account.name, displayName: account.displayName, avatarUrl: account.avatarUrl, matrixId: matrixIdFor(account.name) };
}

/** Sign up, log in, refresh, log out. Rate-limited per IP here, and failed log-ins per account and source in the service. */
export async function accountRoutes(app: FastifyInstance, opts: AccountRoutesOptions): Promise<void> {
  const tokens = (issued: IssuedTokens) => ({
    accessToken: issued.accessToken,
    refreshToken: issued.refreshToken,
    expiresIn: issued.expiresIn,
    user: publicUser(issued.account, opts.matrixIdFor),
  });
  const perIp = (max: number, timeWindow: string) => ({ rateLimit: { max, timeWindow } });

  app.post<{ Body: CredentialsT }>(
    "/api/v1/accounts",
    {
      config: perIp(opts.limits.signUpPerHourPerIp, "1 hour"),
      schema: {
        summary: "Sign up",
        description:
          "400 NAME_RESERVED for names reserved for Mirage and its staff (or lookalikes of them); 409 CONFLICT if the name is taken, " +
          "NAME_CONFUSABLE if it looks like (UTS #39 skeleton) another account's username or display name.",
        tags: ["accounts"],
        body: { $ref: "SignUpRequest#" },
        response: { 201: { $ref: "TokensResponse#" }, ...errorResponses(400, 409, 429) },
      },
    },
    async (request, reply) => reply.code(201).send(tokens(await opts.accounts.signUp(request.body.username, request.body.password))),
  );

  app.post<{ Body: CredentialsT }>(
    "/api/v1/sessions",
    {
      config: perIp(opts.limits.loginPerMinutePerIp, "1 minute"),
      schema: {
        summary: "Log in",
        tags: ["accounts"],
        body: { $ref: "Credentials#" },
        response: { 200: { $ref: "TokensResponse#" }, ...errorResponses(400, 401, 429) },
      },
    },
    async (request) => tokens(await opts.accounts.logIn(request.body.username, request.body.password, loginSource(request.ip))),
  );

  app.post<{ Body: RefreshRequestT }>(
    "/api/v1/sessions/refresh",
    {
      config: perIp(opts.limits.loginPerMinutePerIp, "1 minute"),
      schema: {
        summary: "Exchange a refresh token for new tokens (the old refresh token stops working)",
        tags: ["accounts"],
        body: { $ref: "RefreshRequest#" },
        response: { 200: { $ref: "TokensResponse#" }, ...errorResponses(400, 401, 429) },
      },
    },
    async (request) => tokens(await opts.accounts.refresh(request.body.refreshToken)),
  );

  app.delete(
    "/api/v1/sessions",
    {
      preValidation: authenticate(opts.accounts),
      schema: {
        summary: "Log out: ends this session (its access and refresh tokens)",
        tags: ["accounts"],
        security: [{ bearer: [] }],
        response: { 204: { type: "null" }, ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      await opts.accounts.logOut(request.auth!.session);
      return reply.code(204).send();
    },
  );
}
