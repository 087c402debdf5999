import type { AppContext, Screen } from "../context.js";
import { h, replaceChildren } from "../dom.js";
import type { ApiRoom } from "../transport.js";
import { ApiFailure } from "../transport.js";
import { roomTitle } from "./roomTitle.js";
import { coalesce, emptyState, errorState, loadingState, messageOf, submitting } from "./states.js";

const ROOM_EVENTS = new Set(["room.created", "member.changed", "message.created", "message.deleted", "message.expired", "room.read"]);

/** Rooms and invites, newest activity first, with unread counts; create a room or open a DM. */
export function roomListScreen(): Screen {
  return {
    mount(root, ctx) {
      const list = h("div", { class: "room-list" }, loadingState("your rooms"));
      let closed = false;
      const load = async () => {
        try {
          const rooms = await ctx.transport.rooms();
          if (!closed) replaceChildren(list, renderRooms(rooms, ctx, reload));
        } catch (error) {
          if (!closed) replaceChildren(list, errorState(messageOf(error, "Your rooms could not be loaded."), () => void load()));
        }
      };
      const reload = coalesce(() => void load());
      const unsubscribe = ctx.subscribe({ events: (events) => events.some((e) => ROOM_EVENTS.has(e.kind)) && reload(), gap: reload });
      root.append(
        h(
          "section",
          { class: "rooms-screen" },
          h("h1", null, "Rooms"),
          h("div", { class: "rooms-actions" }, createRoomForm(ctx), dmForm(ctx)),
          h("h2", { id: "rooms-heading" }, "Your rooms"),
          list,
        ),
      );
      void load();
      return () => {
        closed = true;
        reload.cancel();
        unsubscribe();
      };
    },
  };
}

function renderRooms(rooms: ApiRoom[], ctx: AppContext, reload: () => void): HTMLElement {
  if (rooms.length === 0) return emptyState("No rooms yet. Create one, or start a direct message by someone's handle.");
  const activity = (r: ApiRoom) => Date.parse(r.lastMessage?.createdAt ?? r.createdAt);
  const sorted = [...rooms].sort((a, b) => Number(b.membership === "invite") - Number(a.membership === "invite") || activity(b) - activity(a));
  const me = ctx.user()?.name ?? "";
  return h("ul", { class: "rooms", "aria-labelledby": "rooms-heading" }, sorted.map((room) => (room.membership === "invite" ? inviteItem(room, ctx, reload) : roomItem(room, ctx, me))));
}

function roomItem(room: ApiRoom, ctx: AppContext, me: string): HTMLElement {
  const unread = room.unreadCount ?? 0;
  const last = room.lastMessage;
  const name = h("span", { class: "room-name" }, roomTitle(room, me));
  // The list does not carry members: a DM started by us learns whom it is with from the room.
  if (room.kind === "dm" && !room.name && room.createdBy === me) {
    ctx.transport.room(room.id).then((full) => (name.textContent = roomTitle(full, me)), () => undefined);
  }
  return h(
    "li",
    { class: unread > 0 ? "room room-unread" : "room" },
    h(
      "a",
      { href: `/app/rooms/${encodeURIComponent(room.id)}`, class: "room-link" },
      name,
      unread > 0 ? h("span", { class: "badge" }, String(unread), h("span", { class: "visually-hidden" }, " unread")) : null,
      last
        ? h("span", { class: "room-last" }, h("span", { class: "room-last-sender" }, `${last.senderProfile?.displayName ?? last.sender}: `), last.excerpt)
        : h("span", { class: "room-last room-last-none" }, "No messages yet"),
    ),
  );
}

function inviteItem(room: ApiRoom, ctx: AppContext, reload: () => void): HTMLElement {
  const act = (work: () => Promise<unknown>, after: () => void) => async (event: Event) => {
    (event.currentTarget as HTMLButtonElement).disabled = true;
    try {
      await work();
      after();
    } catch (error) {
      ctx.toast(messageOf(error, "That did not work."), "error");
      reload();
    }
  };
  return h(
    "li",
    { class: "room room-invite" },
    h("span", { class: "room-name" }, "Invitation: ", roomTitle(room, ctx.user()?.name ?? "")),
    h(
      "span",
      { class: "invite-actions" },
      h("button", { type: "button", class: "button-primary", onclick: act(() => ctx.transport.join(room.id), () => ctx.navigate(`/app/rooms/${encodeURIComponent(room.id)}`)) }, "Accept"),
      h("button", { type: "button", onclick: act(() => ctx.transport.leave(room.id), reload) }, "Decline"),
    ),
  );
}

function createRoomForm(ctx: AppContext): HTMLElement {
  const name = h("input", { id: "new-room-name", required: true, maxLength: 200 });
  const invite = h("input", { id: "new-room-invite", placeholder: "alice, @bob:example.org", "aria-describedby": "new-room-invite-hint" });
  const error = h("p", { class: "form-error", role: "alert" });
  const form = h(
    "form",
    { class: "card" },
    h("h2", null, "Create a room"),
    h("div", { class: "field" }, h("label", { for: "new-room-name" }, "Room name"), name),
    h("div", { class: "field" }, h("label", { for: "new-room-invite" }, "Invite (optional)"), invite, h("p", { class: "hint", id: "new-room-invite-hint" }, "Handles separated by commas.")),
    error,
    h("button", { type: "submit", class: "button-primary" }, "Create room"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    const handles = invite.value.split(/[,\s]+/).filter(Boolean);
    submitting(form, ctx.transport.createRoom({ name: name.value.trim(), ...(handles.length ? { invite: handles } : {}) })).then(
      (room) => ctx.navigate(`/app/rooms/${encodeURIComponent(room.id)}`),
      (failure: unknown) => (error.textContent = messageOf(failure, "The room could not be created.")),
    );
  });
  return form;
}

function dmForm(ctx: AppContext): HTMLElement {
  const handle = h("input", { id: "dm-handle", required: true, maxLength: 255, spellcheck: false, autocapitalize: "none", "aria-describedby": "dm-handle-hint" });
  const error = h("p", { class: "form-error", role: "alert" });
  const form = h(
    "form",
    { class: "card" },
    h("h2", null, "Direct message"),
    h(
      "div",
      { class: "field" },
      h("label", { for: "dm-handle" }, "Handle"),
      handle,
      h("p", { class: "hint", id: "dm-handle-hint" }, "A Mirage name (alice), a Matrix ID (@bob:example.org) or bob@example.org."),
    ),
    error,
    h("button", { type: "submit", class: "button-primary" }, "Open conversation"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    submitting(form, ctx.transport.openDm(handle.value.trim())).then(
      (room) => ctx.navigate(`/app/rooms/${encodeURIComponent(room.id)}`),
      (failure: unknown) => (error.textContent = failure instanceof ApiFailure && failure.status === 404 ? "Nobody with that handle was found." : messageOf(failure, "The conversation could not be opened.")),
    );
  });
  return form;
}
