import type { Screen } from "../context.js";
import { h, replaceChildren, textOfHtml } from "../dom.js";
import { ApiFailure, type ApiMessage, type ApiRoom, type SyncEvent } from "../transport.js";
import { composer } from "./composer.js";
import { excerpt, type MessageActions, messageItem } from "./messageItem.js";
import { MessageList } from "./messageList.js";
import { CALL_CHANGED, roomHeader } from "./roomHeader.js";
import { roomTitle } from "./roomTitle.js";
import { localId, restoreUnsent, sendOptimistically } from "./sendQueue.js";
import { coalesce, emptyState, errorState, loadingState, messageOf } from "./states.js";
import { countsObject, messageObject, roomOf } from "./syncObjects.js";
import { threadPanel, type ThreadPanel } from "./threadPanel.js";

const PAGE = 30;

/** A room: its timeline (paged back), composer, thread panel and room controls, live through sync. */
export function roomScreen(roomId: string): Screen {
  return {
    mount(root, ctx) {
      const me = ctx.user()?.name ?? "";
      let closed = false;
      let nextBefore: number | null = null;
      let replyTo: ApiMessage | undefined;
      let thread: ThreadPanel | undefined;
      let lastMarked: string | undefined;
      let room: ApiRoom | undefined;

      const actions: MessageActions = {
        me,
        canDelete: (m) => m.sender === me || (room?.kind === "group" && room.createdBy === me),
        parentOf: (m) => (m.parentId ? timeline.messages.get(m.parentId) : undefined),
        reply: (m) => setReply(m),
        openThread: (m, opener) => openThread(m, opener),
        toggleReaction: (m, key) => toggleReaction(m, key),
        edit: async (m, body) => {
          try {
            apply(await ctx.transport.edit(m.id, body));
          } catch (error) {
            ctx.toast(messageOf(error, "The edit was not saved."), "error");
            throw error;
          }
        },
        remove: async (m) => {
          try {
            await ctx.transport.deleteMessage(m.id);
            apply({ ...m, deleted: true, body: "", html: "", reactions: {}, myReactions: [] });
            ctx.announce("Message deleted.");
          } catch (error) {
            ctx.toast(messageOf(error, "The message was not deleted."), "error");
            throw error;
          }
        },
      };
      const timeline = new MessageList("Messages", (m) => messageItem(m, actions));
      const scroller = h("div", { class: "timeline", tabIndex: 0, role: "region", "aria-label": "Conversation" });
      const older = h("button", { type: "button", class: "button-quiet load-older", hidden: true, onclick: () => void loadOlder() }, "Load older messages");
      const status = h("div", { class: "timeline-status" }, loadingState("messages"));
      scroller.append(older, status, timeline.element);
      const heading = h("h1", { class: "room-title" }, "Room");
      const header = h("div", { class: "room-header-slot" });
      const box = composer({
        id: "composer",
        label: "Message",
        roomId,
        onSend: (body) => {
          const parent = replyTo;
          setReply(undefined);
          sendOptimistically(ctx, roomId, timeline, { localId: localId(), body, ...(parent ? { parentId: parent.id } : {}) }, (m) => {
            apply(m);
            scrollToEnd();
          });
        },
      });
      const layout = h("div", { class: "room-layout" }, h("section", { class: "room-main", "aria-labelledby": "room-title" }, scroller, box.element));
      heading.id = "room-title";
      root.append(h("div", { class: "room-screen" }, h("div", { class: "room-top" }, h("a", { href: "/app/", class: "back-link" }, "← Rooms"), heading), header, layout));

      const nearEnd = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
      const scrollToEnd = () => (scroller.scrollTop = scroller.scrollHeight);

      function setReply(m: ApiMessage | undefined): void {
        replyTo = m;
        box.setContext(
          m
            ? h(
                "p",
                { class: "replying" },
                `Replying to ${m.senderProfile?.displayName || m.sender}: `,
                h("span", { class: "replying-excerpt" }, excerpt(textOfHtml(m.html))),
                " ",
                h("button", { type: "button", class: "button-quiet", onclick: () => setReply(undefined) }, "Cancel reply"),
              )
            : null,
        );
        if (m) box.focus();
      }

      function apply(m: ApiMessage): void {
        if (m.roomId !== roomId) return;
        if (m.threadId !== undefined) {
          thread?.apply(m);
          refreshLatest();
          return;
        }
        const wasNear = nearEnd();
        const fresh = timeline.upsert(m);
        for (const other of timeline.messages.values()) if (other.parentId === m.id) timeline.refresh(other.id);
        if (fresh) {
          status.replaceChildren();
          if (m.sender !== me) ctx.announce(`New message from ${m.senderProfile?.displayName || m.sender}: ${excerpt(textOfHtml(m.html))}`);
          if (wasNear || m.sender === me) scrollToEnd();
        }
        markRead();
      }

      function forget(messageId: string): void {
        timeline.remove(messageId);
        thread?.remove(messageId);
      }

      async function toggleReaction(m: ApiMessage, key: string): Promise<void> {
        try {
          const summary = m.myReactions.includes(key) ? await ctx.transport.unreact(m.id, key) : await ctx.transport.react(m.id, key);
          const current = timeline.messages.get(m.id) ?? thread?.get(m.id) ?? m;
          apply({ ...current, reactions: summary.reactions, myReactions: summary.myReactions });
        } catch (error) {
          ctx.toast(messageOf(error, "The reaction did not go through."), "error");
        }
      }

      function markRead(): void {
        const newest = timeline.newest();
        if (!newest || newest.id === lastMarked || closed || document.visibilityState !== "visible") return;
        lastMarked = newest.id;
        ctx.transport.markRead(roomId, newest.id).catch(() => {
          // Read markers are a courtesy: a failure costs an unread badge, nothing more.
        });
      }

      async function loadInitial(): Promise<void> {
        replaceChildren(status, loadingState("messages"));
        try {
          const [found, page] = await Promise.all([ctx.transport.room(roomId), ctx.transport.messages(roomId, { limit: PAGE })]);
          if (closed) return;
          room = found;
          heading.textContent = roomTitle(room, me);
          document.title = `${heading.textContent} · Mirage`;
          replaceChildren(header, roomHeader(room, ctx));
          for (const m of [...page.messages].reverse()) timeline.upsert(m);
          nextBefore = page.nextBefore;
          older.hidden = nextBefore === null;
          replaceChildren(status, timeline.messages.size === 0 ? emptyState("No messages yet. Say hello!") : null);
          restoreUnsent(ctx, roomId, timeline, undefined, apply);
          scrollToEnd();
          markRead();
        } catch (error) {
          if (closed) return;
          if (error instanceof ApiFailure && (error.status === 404 || error.status === 403)) {
            replaceChildren(status, errorState("This room does not exist, or you are not in it.", () => ctx.navigate("/app/")));
          } else replaceChildren(status, errorState(messageOf(error, "The conversation could not be loaded."), () => void loadInitial()));
        }
      }

      async function loadOlder(): Promise<void> {
        if (nextBefore === null) return;
        older.disabled = true;
        const before = scroller.scrollHeight - scroller.scrollTop;
        try {
          const page = await ctx.transport.messages(roomId, { before: nextBefore, limit: PAGE });
          for (const m of page.messages) timeline.upsert(m);
          nextBefore = page.nextBefore;
          older.hidden = nextBefore === null;
          scroller.scrollTop = scroller.scrollHeight - before;
        } catch (error) {
          ctx.toast(messageOf(error, "Older messages could not be loaded."), "error");
        } finally {
          older.disabled = false;
        }
      }

      const refreshLatest = coalesce(() => {
        ctx.transport.messages(roomId, { limit: PAGE }).then(
          (page) => page.messages.forEach((m) => !closed && apply(m)),
          () => undefined,
        );
        thread?.reload();
      });

      function onEvent(event: SyncEvent): void {
        if (roomOf(event) !== roomId) return;
        const id = event.data.messageId;
        switch (event.kind) {
          case "message.created":
          case "message.edited":
          case "message.delivery_failed": {
            const m = messageObject(event);
            if (m) apply(m);
            else refreshLatest();
            return;
          }
          case "message.deleted": {
            const m = messageObject(event);
            const known = id ? (timeline.messages.get(id) ?? thread?.get(id)) : undefined;
            if (m) apply(m);
            else if (known) apply({ ...known, deleted: true, body: "", html: "", reactions: {}, myReactions: [] });
            else refreshLatest();
            return;
          }
          case "message.expired":
            if (id) forget(id);
            return;
          case "reaction.added":
          case "reaction.removed": {
            const target = event.data.target as { id: string; kind: string } | undefined;
            const counts = countsObject(event);
            const m = target ? (timeline.messages.get(target.id) ?? thread?.get(target.id)) : undefined;
            if (!m || !counts) return refreshLatest();
            const key = event.data.key as string;
            const mine = counts.myReactions ?? (event.data.by === me ? (event.kind === "reaction.added" ? [...new Set([...m.myReactions, key])] : m.myReactions.filter((k) => k !== key)) : m.myReactions);
            apply({ ...m, reactions: counts.reactions, myReactions: mine });
            return;
          }
          case "plugin.event":
            if (event.data.plugin === "jitsi") header.querySelector(".call-controls")?.dispatchEvent(new Event(CALL_CHANGED));
            return;
          case "member.changed":
            if (event.data.member === me && (event.data.membership === "leave" || event.data.membership === "ban")) {
              ctx.toast("You are no longer in this room.");
              ctx.navigate("/app/");
              return;
            }
            ctx.transport.room(roomId).then(
              (found) => {
                if (closed) return;
                room = found;
                replaceChildren(header, roomHeader(found, ctx));
              },
              () => undefined,
            );
        }
      }

      function openThread(root: ApiMessage, opener: HTMLElement): void {
        thread?.close(false);
        thread = threadPanel(ctx, roomId, root, actions, () => {
          thread = undefined;
          layout.classList.remove("has-thread");
          if (opener.isConnected) opener.focus();
          else box.focus();
        });
        layout.classList.add("has-thread");
        layout.append(thread.element);
        thread.focus();
      }

      const onKey = (event: KeyboardEvent) => {
        if (event.key !== "Escape") return;
        if (thread) thread.close(true);
        else if (replyTo) setReply(undefined);
      };
      const onVisible = () => markRead();
      document.addEventListener("keydown", onKey);
      document.addEventListener("visibilitychange", onVisible);
      const unsubscribe = ctx.subscribe({ events: (events) => events.forEach(onEvent), gap: () => refreshLatest() });
      void loadInitial();
      return () => {
        closed = true;
        unsubscribe();
        refreshLatest.cancel();
        document.removeEventListener("keydown", onKey);
        document.removeEventListener("visibilitychange", onVisible);
      };
    },
  };
}
