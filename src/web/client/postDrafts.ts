/**
 * Unsaved post text, per account and post (`new` for one not created yet), in localStorage: it
 * outlives a closed tab, a crash or an expired session, and goes once the server has it.
 */
export interface LocalPostDraft {
  title: string;
  body: string;
  /** When it was last typed (ms since the epoch). */
  at: number;
}

const key = (account: string, postId: string | undefined) => `mirage.postDraft.${account}.${postId ?? "new"}`;

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

export const postDrafts = {
  get(account: string, postId: string | undefined): LocalPostDraft | undefined {
    try {
      const value = JSON.parse(storage()?.getItem(key(account, postId)) ?? "null") as Partial<LocalPostDraft> | null;
      if (value && typeof value.title === "string" && typeof value.body === "string" && typeof value.at === "number") return value as LocalPostDraft;
    } catch {
      // Unreadable: as if none.
    }
    return undefined;
  },
  set(account: string, postId: string | undefined, draft: LocalPostDraft): void {
    try {
      storage()?.setItem(key(account, postId), JSON.stringify(draft));
    } catch {
      // Storage full or refused: the text stays in the form.
    }
  },
  drop(account: string, postId: string | undefined): void {
    storage()?.removeItem(key(account, postId));
  },
};
