import type { FastifyReply, FastifyRequest } from "fastify";
import type { AccountService } from "../platform/accounts/AccountService.js";
import { authenticate } from "./authenticate.js";

/**
 * A preValidation hook for routes anyone may read: without an Authorization header `request.auth`
 * stays null; with one, the token must be valid (a stale token is an error the client should
 * hear about, not a silent downgrade to anonymous).
 */
export function optionalAuthenticate(accounts: AccountService) {
  const required = authenticate(accounts);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (request.headers.authorization !== undefined) await required(request, reply);
  };
}
