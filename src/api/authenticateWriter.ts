import type { FastifyReply, FastifyRequest } from "fastify";
import type { AccountService } from "../platform/accounts/AccountService.js";
import type { WriteThrottle } from "../platform/accounts/WriteThrottle.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import { authenticate } from "./authenticate.js";

/**
 * `authenticate`, then one write from the account's budget: routes that change state use this,
 * so a flood from one account is refused with RATE_LIMITED and `Retry-After`. Requests that
 * fail validation never reach it and cost nothing.
 */
export function authenticateWriter(accounts: AccountService, writes: WriteThrottle | undefined) {
  const signedIn = authenticate(accounts);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await signedIn(request, reply);
    const retryAfterSeconds = writes?.take(request.auth!.account.name) ?? 0;
    if (retryAfterSeconds > 0) {
      throw new MirageError(ErrorCodes.rateLimited, "too many changes in a short time; try again later", { details: { retryAfterSeconds } });
    }
  };
}
