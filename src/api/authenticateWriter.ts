import type { FastifyReply, FastifyRequest } from "fastify";
import type { AccountService } from "../platform/accounts/AccountService.js";
import type { WriteThrottle } from "../platform/accounts/WriteThrottle.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import { authenticate } from "./authenticate.js";

/**
 * Route hooks for changes: sign-in is checked before validation (an anonymous caller hears 401,
 * whatever it sent), then, once the input is valid, one write is taken from the account's
 * budget, so a flood from one account is refused with RATE_LIMITED and `Retry-After` while
 * requests that fail validation cost nothing.
 */
export function authenticateWriter(accounts: AccountService, writes: WriteThrottle | undefined) {
  return {
    preValidation: authenticate(accounts),
    preHandler: async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
      const retryAfterSeconds = writes?.take(request.auth!.account.name) ?? 0;
      if (retryAfterSeconds > 0) {
        throw new MirageError(ErrorCodes.rateLimited, "too many changes in a short time; try again later", { details: { retryAfterSeconds } });
      }
    },
  };
}
