import type { FastifyReply, FastifyRequest } from "fastify";
import type { AccountService } from "../platform/accounts/AccountService.js";
import type { WriteThrottle } from "../platform/accounts/WriteThrottle.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import { authenticate } from "./authenticate.js";

/**
 * Route hooks for changes: sign-in is checked before validation (an anonymous caller hears 401,
 * whatever it sent), then, once the input is valid, the write is taken from the account's
 * budget (more for more text: see `WriteThrottle`), so a flood from one account is refused with
 * RATE_LIMITED and `Retry-After` while requests that fail validation cost nothing.
 */
export function authenticateWriter(accounts: AccountService, writes: WriteThrottle | undefined) {
  return {
    preValidation: authenticate(accounts),
    preHandler: async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
      const retryAfterSeconds = writes?.take(request.auth!.account.name, textChars(request.body)) ?? 0;
      if (retryAfterSeconds > 0) {
        throw new MirageError(ErrorCodes.rateLimited, "too many changes in a short time; try again later", { details: { retryAfterSeconds } });
      }
    },
  };
}

/** Characters of text in a validated JSON body: its string values, however nested. */
export function textChars(body: unknown): number {
  if (typeof body === "string") return body.length;
  if (body === null || typeof body !== "object") return 0;
  let chars = 0;
  for (const value of Object.values(body)) chars += textChars(value);
  return chars;
}
