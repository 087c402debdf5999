/**
 * What a person typed and has not seen sent: composer drafts and failed sends, per room, in
 * sessionStorage (this tab only, gone with it), so a reload or an expired session loses nothing.
 */
export interface UnsentMessage {
  localId: string;
  body: string;
  parentId?: string;
  threadId?: string;
}

const draftKey = (roomId: string, threadId?: string) => `mirage.draft.${roomId}${threadId ? `.thread.${threadId}` : ""}`;
const unsentKey = (roomId: string) => `mirage.unsent.${roomId}`;

function storage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

export const drafts = {
  get: (roomId: string, threadId?: string): string => storage()?.getItem(draftKey(roomId, threadId)) ?? "",
  set(roomId: string, threadId: string | undefined, text: string): void {
    if (text) storage()?.setItem(draftKey(roomId, threadId), text);
    else storage()?.removeItem(draftKey(roomId, threadId));
  },
  unsent(roomId: string): UnsentMessage[] {
    try {
      const list = JSON.parse(storage()?.getItem(unsentKey(roomId)) ?? "[]") as unknown;
      return Array.isArray(list) ? (list as UnsentMessage[]).filter((m) => typeof m?.body === "string" && typeof m.localId === "string") : [];
    } catch {
      return [];
    }
  },
  keepUnsent(roomId: string, message: UnsentMessage): void {
    const list = drafts.unsent(roomId).filter((m) => m.localId !== message.localId);
    storage()?.setItem(unsentKey(roomId), JSON.stringify([...list, message]));
  },
  dropUnsent(roomId: string, localId: string): void {
    const list = drafts.unsent(roomId).filter((m) => m.localId !== localId);
    if (list.length) storage()?.setItem(unsentKey(roomId), JSON.stringify(list));
    else storage()?.removeItem(unsentKey(roomId));
  },
};
