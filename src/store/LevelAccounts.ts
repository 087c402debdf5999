import type { Account, AccountRepository } from "../platform/accounts/Account.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import type { AccountName } from "../platform/ids.js";
import type { JournalRecords } from "../platform/ports/Journal.js";
import type { LevelJournal } from "./LevelJournal.js";
import { jsonSublevel, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { SUBLEVELS } from "./keys.js";

export class LevelAccounts implements AccountRepository {
  private readonly accounts: JsonSublevel<Account>;
  private readonly mutex = new Mutex();

  constructor(
    db: RootLevel,
    private readonly journal: LevelJournal,
  ) {
    this.accounts = jsonSublevel<Account>(db, SUBLEVELS.accounts);
  }

  get(name: AccountName): Promise<Account | undefined> {
    return this.accounts.get(name);
  }

  create(account: Account): Promise<void> {
    return this.mutex.run(async () => {
      if ((await this.accounts.get(account.name)) !== undefined) {
        throw new MirageError(ErrorCodes.conflict, `username "${account.name}" is taken`);
      }
      await this.accounts.put(account.name, account);
    });
  }

  update(account: Account, events?: JournalRecords): Promise<void> {
    return this.mutex.run(() => this.journal.commit([{ type: "put", sublevel: this.accounts, key: account.name, value: account } as BatchOp], events));
  }

  async count(): Promise<number> {
    let n = 0;
    for await (const _ of this.accounts.keys()) n += 1;
    return n;
  }
}
