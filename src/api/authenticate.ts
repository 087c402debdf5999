import type { FastifyReply, FastifyRequest } from "fastify";
import type { Account } from "../platform/accounts/Account.js";
import type { AccountService } from "../platform/accounts/AccountService.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import type { SessionId } from "../platform/ids.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the `authenticate` hook (preValidation) on routes that need a signed-in account. */
    auth: { account: Account; session: SessionId } | null;
  }
}

/** A hook (run as preValidation, so an anonymous caller hears 401 before any 400) requiring `Authorization: Bearer <accessToken>` of a live session. */
export function authenticate(accounts: AccountService) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new MirageError(ErrorCodes.unauthenticated, "missing bearer access token");
    request.auth = await accounts.authenticate(match[1]!);
  };
}
