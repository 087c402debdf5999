import { parseHandle } from "../chat/parseHandle.js";

/**
 * The one spelling of a person blogs store: a Mirage account name (lowercase), or a Matrix user
 * ID, except that the Matrix ID of a Mirage account's ghost becomes the account name (when
 * `accountForMatrixId` knows it), so both name the same blog. Throws INVALID_INPUT for anything else.
 */
export function canonicalPerson(raw: string, accountForMatrixId?: (matrixId: string) => string | undefined): string {
  const { kind, id } = parseHandle(raw);
  return kind === "matrix" ? (accountForMatrixId?.(id) ?? id) : id;
}
