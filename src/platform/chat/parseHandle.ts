import { ErrorCodes, MirageError } from "../errors/MirageError.js";
import { USERNAME_PATTERN } from "../accounts/usernameRules.js";
import type { MemberId } from "./Room.js";

/** A Matrix user ID: `@localpart:server`, with the spec's historical localpart charset and a server name. */
export const MATRIX_ID = /^@[!-9;-~]{1,255}:[A-Za-z0-9.-]+(:[0-9]{1,5})?$/;

/**
 * Turns what a person typed into a member: `alice` (a Mirage account), `@bob:example.org`
 * (a Matrix user) or `bob@example.org` (the same Matrix user written like an e-mail address).
 */
export function parseHandle(input: string): { kind: "mirage" | "matrix"; id: MemberId } {
  const handle = input.trim();
  if (handle.startsWith("@")) {
    if (!MATRIX_ID.test(handle) || handle.length > 255) throw invalid(input);
    return { kind: "matrix", id: handle };
  }
  const at = handle.lastIndexOf("@");
  if (at > 0) {
    const localpart = handle.slice(0, at).toLowerCase();
    const id = `@${localpart}:${handle.slice(at + 1).toLowerCase()}`;
    // A ':' in the localpart would make `bob:example.org@8448` mean @bob:example.org:8448.
    if (localpart.includes(":") || !MATRIX_ID.test(id)) throw invalid(input);
    return { kind: "matrix", id };
  }
  const name = handle.toLowerCase();
  if (!USERNAME_PATTERN.test(name)) throw invalid(input);
  return { kind: "mirage", id: name };
}

function invalid(input: string): MirageError {
  return new MirageError(
    ErrorCodes.invalidInput,
    `"${input.slice(0, 80)}" is not a handle: use a Mirage name (alice), a Matrix ID (@bob:example.org) or bob@example.org`,
  );
}
