import type { AccountRepository } from "../accounts/Account.js";
import type { MatrixUserId } from "../ids.js";
import type { GhostAccounts } from "../ports/GhostAccounts.js";
import type { MatrixProfiles } from "../ports/MatrixProfiles.js";
import { isMxcUri } from "../render/urlPolicy.js";
import type { PersonId } from "./Person.js";
import { people } from "./people.js";

/** How a person is shown next to what they wrote, alike for Mirage accounts and Matrix users. */
export interface PersonProfile {
  /** Their display name; their account name or Matrix ID when none is known. */
  displayName: string;
  /** An `mxc://` URI or an account's https URL; absent when they have none. */
  avatar?: string;
}

/**
 * Display names and avatars of the people a page names: a Mirage account's from its profile, a
 * Matrix user's from `MatrixProfiles` (cached; never waits long on a homeserver). Called once
 * per page with every person on it.
 */
export class PersonProfiles {
  constructor(
    private readonly deps: {
      accounts: Pick<AccountRepository, "get">;
      /** Without it, a Matrix user is shown by their ID. */
      matrix?: MatrixProfiles;
      ghosts?: GhostAccounts;
    },
  ) {}

  /** Profiles of `ids` (stored spellings; a ghost's Matrix ID is shown as its account), one per distinct ID. */
  async of(ids: Iterable<PersonId>): Promise<Map<PersonId, PersonProfile>> {
    const unique = [...new Set(ids)];
    const matrixIds = unique.filter((id): id is MatrixUserId => people.isMatrixId(id) && people.canonical(people.matrix(id), this.deps.ghosts).kind === "matrix");
    const [matrix, accounts] = await Promise.all([
      matrixIds.length > 0 && this.deps.matrix ? this.deps.matrix.get(matrixIds) : new Map(),
      Promise.all(
        unique.map((id) => {
          const person = people.canonical(people.fromId(id), this.deps.ghosts);
          return person.kind === "account" ? this.deps.accounts.get(person.name) : undefined;
        }),
      ),
    ]);
    const profiles = new Map<PersonId, PersonProfile>();
    unique.forEach((id, i) => {
      const account = accounts[i];
      if (account) {
        const avatar = account.avatarUrl.startsWith("https://") || isMxcUri(account.avatarUrl) ? account.avatarUrl : undefined;
        profiles.set(id, { displayName: account.displayName || account.name, ...(avatar ? { avatar } : {}) });
        return;
      }
      const found = people.isMatrixId(id) ? matrix.get(id) : undefined;
      profiles.set(id, { displayName: found?.displayName ?? id, ...(found?.avatarUrl ? { avatar: found.avatarUrl } : {}) });
    });
    return profiles;
  }

  /** Calls `listener` when a Matrix user's known profile changed (account changes are domain events). */
  onMatrixChange(listener: () => void): () => void {
    return this.deps.matrix?.onChange(listener) ?? (() => undefined);
  }
}
