import type { AppContext } from "../context.js";
import { drafts, type UnsentMessage } from "../drafts.js";
import type { ApiMessage } from "../transport.js";
import type { MessageList } from "./messageList.js";
import { pendingItem } from "./messageItem.js";
import { messageOf } from "./states.js";

/**
 * Optimistic send: the message shows at once; on failure it stays, with its text, a reason and
 * Retry, and is kept in sessionStorage until sent or discarded, so nothing typed is lost.
 */
export function sendOptimistically(ctx: AppContext, roomId: string, list: MessageList, message: UnsentMessage, sent: (m: ApiMessage) => void): void {
  const view = pendingItem(message.body, () => attempt(), () => {
    drafts.dropUnsent(roomId, message.localId);
    view.element.remove();
  });
  list.addPending(view.element);
  list.element.lastElementChild?.scrollIntoView({ block: "end" });
  const attempt = () => {
    view.sending();
    drafts.keepUnsent(roomId, message);
    ctx.transport
      .send(roomId, { body: message.body, ...(message.parentId ? { parentId: message.parentId } : {}), ...(message.threadId ? { threadId: message.threadId } : {}) })
      .then(
        (saved) => {
          drafts.dropUnsent(roomId, message.localId);
          view.element.remove();
          sent(saved);
        },
        (error: unknown) => {
          view.failed(messageOf(error, "something went wrong"));
          ctx.announce("Your message was not sent. It is kept with a Retry button.");
        },
      );
  };
  attempt();
}

/** Failed sends kept from before (a reload, an expired session): shown failed, ready to retry. */
export function restoreUnsent(ctx: AppContext, roomId: string, list: MessageList, threadId: string | undefined, sent: (m: ApiMessage) => void): void {
  for (const message of drafts.unsent(roomId)) {
    if (message.threadId !== threadId) continue;
    const view = pendingItem(message.body, () => {
      view.element.remove();
      sendOptimistically(ctx, roomId, list, message, sent);
    }, () => {
      drafts.dropUnsent(roomId, message.localId);
      view.element.remove();
    });
    list.addPending(view.element);
    view.failed("not sent before");
  }
}

export const localId = () => `local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
