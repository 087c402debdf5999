import type { Account } from "../platform/accounts/Account.js";
import type { ProfileOperation } from "../platform/outbox/outboxOperationSchema.js";
import { isMxcUri } from "../platform/render/urlPolicy.js";

/** Matrix display names are free text; the outbox operation bounds them. */
const MAX_DISPLAY_NAME = 255;

/**
 * The outbox operation that makes a ghost's Matrix profile show its account's: the display name
 * (the account name when none is set) and the avatar — an `mxc://` as is, an https URL as a source
 * the outbox fetches and uploads once. Without `change` (first provisioning) it carries both, and
 * no avatar when the account has none; with `change` only what changed, an emptied avatar
 * removing the ghost's. Undefined when there is nothing to set.
 */
export function ghostProfile(ghostId: string, account: Account, change?: { displayName: boolean; avatar: boolean }): ProfileOperation | undefined {
  const op: ProfileOperation = { op: "profile", sender: ghostId };
  if (change?.displayName ?? true) op.displayName = (account.displayName || account.name).slice(0, MAX_DISPLAY_NAME);
  if (change?.avatar ?? true) {
    const url = account.avatarUrl;
    if (isMxcUri(url)) op.avatarUrl = url;
    else if (url.startsWith("https://")) op.avatarSource = url;
    else if (change !== undefined) op.avatarUrl = "";
  }
  return op.displayName === undefined && op.avatarUrl === undefined && op.avatarSource === undefined ? undefined : op;
}
