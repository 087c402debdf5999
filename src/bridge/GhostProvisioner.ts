import type { AccountRepository } from "../platform/accounts/Account.js";
import type { AccountName } from "../platform/ids.js";
import type { Outbox, OutboxEntryInput } from "../platform/ports/Outbox.js";
import type { BridgeNames } from "./bridgeNames.js";
import { ghostProfile } from "./ghostProfile.js";

/**
 * Queues a ghost's profile before it first appears in Matrix (sends, joins, creates a room or is
 * invited), once per account: the receipt `ghost-profile:<account>` is stored with it, the same
 * receipt every relay checks. The outbox carries entries out in queue order, so the profile is set
 * before the operations queued after it.
 */
export class GhostProvisioner {
  /** Accounts whose ghost profile is known to be queued (durably: by its receipt). */
  private readonly provisioned = new Set<string>();

  constructor(
    private readonly deps: { accounts: Pick<AccountRepository, "get">; outbox: Outbox; names: BridgeNames; now: () => number },
  ) {}

  async before(ops: readonly OutboxEntryInput[]): Promise<void> {
    const accounts = new Set<AccountName>();
    const consider = (userId: string | undefined) => {
      const account = userId === undefined ? undefined : this.deps.names.accountOf(userId);
      if (account !== undefined && !this.provisioned.has(account)) accounts.add(account);
    };
    for (const op of ops) {
      if (op.op === "profile") continue;
      consider(op.sender);
      if (op.op === "membership") consider(op.userId);
      if (op.op === "createRoom") for (const invited of op.invite ?? []) consider(invited);
    }
    for (const name of accounts) {
      const receipt = `ghost-profile:${name}`;
      if (!(await this.deps.outbox.hasReceipt(receipt))) {
        const account = await this.deps.accounts.get(name);
        const op = account && ghostProfile(this.deps.names.ghost(name), account);
        if (!op) continue;
        await this.deps.outbox.enqueue([op], this.deps.now(), receipt);
      }
      this.provisioned.add(name);
    }
  }
}
