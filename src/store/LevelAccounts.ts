import type { Account, AccountRepository } from "../platform/accounts/Account.js";
import { accountNameKeys } from "../platform/accounts/nameSkeleton.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import type { AccountName } from "../platform/ids.js";
import type { JournalRecords } from "../platform/ports/Journal.js";
import type { LevelJournal } from "./LevelJournal.js";
import { jsonSublevel, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { META_KEYS, SUBLEVELS } from "./keys.js";

interface NameKeyEntry {
  account: AccountName;
}

/** Bumped when `accountNameKeys` changes, so the index is rebuilt from the accounts. */
const NAME_KEYS_VERSION = 1;

const confusable = (what: string) =>
  new MirageError(ErrorCodes.nameConfusable, `${what} is, or looks too much like, the name of another account; choose another`);

/**
 * Accounts by name, and an index from each name key (the skeletons of the username and the
 * display name, see `accountNameKeys`) to the account holding it, written in the same batch as
 * the account, so two accounts can never hold lookalike names.
 */
export class LevelAccounts implements AccountRepository {
  private readonly accounts: JsonSublevel<Account>;
  private readonly nameKeys: JsonSublevel<NameKeyEntry>;
  private readonly meta: JsonSublevel<number>;
  private readonly mutex = new Mutex();
  private indexReady: Promise<void> | undefined;

  constructor(
    private readonly db: RootLevel,
    private readonly journal: LevelJournal,
  ) {
    this.accounts = jsonSublevel<Account>(db, SUBLEVELS.accounts);
    this.nameKeys = jsonSublevel<NameKeyEntry>(db, SUBLEVELS.accountNameSkeletons);
    this.meta = jsonSublevel<number>(db, SUBLEVELS.meta);
  }

  get(name: AccountName): Promise<Account | undefined> {
    return this.accounts.get(name);
  }

  create(account: Account): Promise<void> {
    return this.mutex.run(async () => {
      await this.ready();
      if ((await this.accounts.get(account.name)) !== undefined) {
        throw new MirageError(ErrorCodes.conflict, `username "${account.name}" is taken`);
      }
      const keys = accountNameKeys(account);
      await this.refuseHeldByOthers(account.name, keys, `username "${account.name}"`);
      await this.db.batch([
        { type: "put", sublevel: this.accounts, key: account.name, value: account },
        ...keys.map((key) => ({ type: "put", sublevel: this.nameKeys, key, value: { account: account.name } })),
      ] as BatchOp[]);
    });
  }

  update(account: Account, events?: JournalRecords): Promise<void> {
    return this.mutex.run(async () => {
      await this.ready();
      const before = await this.accounts.get(account.name);
      const oldKeys = before ? accountNameKeys(before) : [];
      const newKeys = accountNameKeys(account);
      const added = newKeys.filter((key) => !oldKeys.includes(key));
      await this.refuseHeldByOthers(account.name, added, `display name "${account.displayName}"`);
      // Only keys this account holds are given up (after a rebuild, a clash left some with their first holder).
      const removed = oldKeys.filter((key) => !newKeys.includes(key));
      const holders = removed.length === 0 ? [] : await this.nameKeys.getMany(removed);
      await this.journal.commit(
        [
        { type: "put", sublevel: this.accounts, key: account.name, value: account },
        ...removed.filter((_, i) => holders[i]?.account === account.name).map((key) => ({ type: "del", sublevel: this.nameKeys, key })),
        ...added.map((key) => ({ type: "put", sublevel: this.nameKeys, key, value: { account: account.name } })),
        ] as BatchOp[],
        events,
      );
    });
  }

  async count(): Promise<number> {
    let n = 0;
    for await (const _ of this.accounts.keys()) n += 1;
    return n;
  }

  private async refuseHeldByOthers(name: AccountName, keys: readonly string[], what: string): Promise<void> {
    if (keys.length === 0) return;
    const holders = await this.nameKeys.getMany([...keys]);
    if (holders.some((holder) => holder !== undefined && holder.account !== name)) throw confusable(what);
  }

  /** Builds the name-key index from the accounts once per index version (oldest account first on a clash). */
  private ready(): Promise<void> {
    this.indexReady ??= (async () => {
      if ((await this.meta.get(META_KEYS.nameSkeletonsBuilt)) === NAME_KEYS_VERSION) return;
      const accounts = await this.accounts.values().all();
      accounts.sort((a, b) => a.createdAt - b.createdAt);
      const index = new Map<string, AccountName>();
      for (const account of accounts) for (const key of accountNameKeys(account)) if (!index.has(key)) index.set(key, account.name);
      await this.nameKeys.clear();
      await this.db.batch([
        ...[...index].map(([key, account]) => ({ type: "put", sublevel: this.nameKeys, key, value: { account } })),
        { type: "put", sublevel: this.meta, key: META_KEYS.nameSkeletonsBuilt, value: NAME_KEYS_VERSION },
      ] as BatchOp[]);
    })().catch((error: unknown) => {
      this.indexReady = undefined;
      throw error;
    });
    return this.indexReady;
  }
}
