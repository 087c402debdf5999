import type { AppContext } from "../context.js";
import { h, replaceChildren } from "../dom.js";
import type { ApiMessage } from "../transport.js";
import { composer } from "./composer.js";
import { type MessageActions, messageItem } from "./messageItem.js";
import { MessageList } from "./messageList.js";
import { localId, restoreUnsent, sendOptimistically } from "./sendQueue.js";
import { errorState, loadingState, messageOf } from "./states.js";

export interface ThreadPanel {
  element: HTMLElement;
  focus(): void;
  apply(message: ApiMessage): void;
  get(id: string): ApiMessage | undefined;
  remove(id: string): void;
  reload(): void;
  /** `returnFocus`: give focus back to what opened the panel. */
  close(returnFocus: boolean): void;
}

/** A thread beside the timeline: its root, its replies oldest first, and a composer for it. */
export function threadPanel(ctx: AppContext, roomId: string, root: ApiMessage, actions: MessageActions, onClose: () => void): ThreadPanel {
  const threadActions: MessageActions = { ...actions, reply: undefined, openThread: undefined };
  const list = new MessageList("Thread messages", (m) => messageItem(m, threadActions));
  const status = h("div", { class: "timeline-status" }, loadingState("the thread"));
  const apply = (m: ApiMessage) => {
    if (m.id !== root.id && m.threadId !== root.id) return;
    if (list.upsert(m) && m.sender !== actions.me) ctx.announce(`New reply in the thread from ${m.senderProfile?.displayName || m.sender}`);
    scroller.scrollTop = scroller.scrollHeight;
  };
  const box = composer({
    id: "thread-composer",
    label: "Reply in thread",
    roomId,
    threadId: root.id,
    onSend: (body) => sendOptimistically(ctx, roomId, list, { localId: localId(), body, threadId: root.id }, apply),
  });
  const scroller = h("div", { class: "thread-scroll" }, status, list.element);
  const closeButton = h("button", { type: "button", class: "button-quiet", "aria-label": "Close thread", onclick: () => panel.close(true) }, "Close");
  const element = h(
    "aside",
    { class: "thread-panel", "aria-labelledby": "thread-title" },
    h("div", { class: "thread-head" }, h("h2", { id: "thread-title" }, "Thread"), closeButton),
    scroller,
    box.element,
  );
  let closed = false;
  const load = async () => {
    try {
      const messages: ApiMessage[] = [];
      let before: number | undefined;
      // A thread is short next to a timeline: read it whole, up to a bound.
      for (let pages = 0; pages < 5; pages++) {
        const page = await ctx.transport.messages(roomId, { threadId: root.id, limit: 100, ...(before !== undefined ? { before } : {}) });
        messages.push(...page.messages);
        if (page.nextBefore === null) break;
        before = page.nextBefore;
      }
      if (closed) return;
      status.replaceChildren();
      for (const m of messages) list.upsert(m);
      if (!list.messages.has(root.id)) list.upsert(root);
      scroller.scrollTop = scroller.scrollHeight;
    } catch (error) {
      if (!closed) replaceChildren(status, errorState(messageOf(error, "The thread could not be loaded."), () => void load()));
    }
  };
  const panel: ThreadPanel = {
    element,
    focus: () => box.focus(),
    apply,
    get: (id) => list.messages.get(id),
    remove: (id) => list.remove(id),
    reload: () => void load(),
    close(returnFocus) {
      if (closed) return;
      closed = true;
      element.remove();
      if (returnFocus) onClose();
    },
  };
  list.upsert(root);
  restoreUnsent(ctx, roomId, list, root.id, apply);
  void load();
  return panel;
}
