import type { AppContext } from "../context.js";
import { h } from "../dom.js";
import type { ApiRoom } from "../transport.js";
import { messageOf, submitting } from "./states.js";

/** Dispatched on a room's call controls when sync reports its call started or ended. */
export const CALL_CHANGED = "mirage-call-changed";

const EXPIRY_CHOICES: [string, number | null][] = [
  ["Off", null],
  ["5 minutes", 300],
  ["1 hour", 3600],
  ["1 day", 86_400],
  ["1 week", 604_800],
];

/** Members, invite, leave, and (where the server offers them) calls and disappearing messages. */
export function roomHeader(room: ApiRoom, ctx: AppContext): HTMLElement {
  const members = room.members ?? [];
  const joined = members.filter((m) => m.membership === "join");
  const invited = members.filter((m) => m.membership === "invite");
  const plugins = h("div", { class: "room-plugins" });
  const element = h(
    "div",
    { class: "room-header" },
    room.topic ? h("p", { class: "room-topic" }, room.topic) : null,
    h(
      "details",
      { class: "room-members" },
      h("summary", null, `${joined.length} ${joined.length === 1 ? "member" : "members"}${invited.length ? `, ${invited.length} invited` : ""}`),
      h("ul", null, members.map((m) => h("li", null, m.member, m.membership === "invite" ? " (invited)" : null, m.kind === "matrix" ? " · Matrix" : null))),
    ),
    room.kind === "group" ? inviteForm(room, ctx) : null,
    plugins,
    leaveButton(room, ctx),
  );
  void ctx.features().then((features) => {
    if (features.calls) plugins.append(callControls(room, ctx));
    if (features.expiry) plugins.append(expiryControl(room, ctx));
  });
  return element;
}

function inviteForm(room: ApiRoom, ctx: AppContext): HTMLElement {
  const input = h("input", { id: "invite-handle", required: true, maxLength: 255, spellcheck: false, autocapitalize: "none", placeholder: "alice or @bob:example.org" });
  const form = h("form", { class: "inline-form" }, h("label", { for: "invite-handle" }, "Invite"), input, h("button", { type: "submit" }, "Invite"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const handle = input.value.trim();
    submitting(form, ctx.transport.invite(room.id, handle)).then(
      () => {
        input.value = "";
        ctx.toast(`Invited ${handle}.`);
      },
      (error: unknown) => ctx.toast(messageOf(error, "The invitation was not sent."), "error"),
    );
  });
  return form;
}

function leaveButton(room: ApiRoom, ctx: AppContext): HTMLElement {
  const leave = h("button", { type: "button", class: "button-quiet" }, room.kind === "dm" ? "Leave conversation" : "Leave room");
  leave.addEventListener("click", () => {
    const yes = h("button", { type: "button", class: "button-danger" }, "Yes, leave");
    const no = h("button", { type: "button", class: "button-quiet" }, "Stay");
    const ask = h("span", { class: "confirm", role: "group", "aria-label": room.name ? `Leave ${room.name}?` : "Leave this conversation?" }, yes, no);
    leave.replaceWith(ask);
    yes.focus();
    no.addEventListener("click", () => {
      ask.replaceWith(leave);
      leave.focus();
    });
    yes.addEventListener("click", () => {
      yes.disabled = true;
      ctx.transport.leave(room.id).then(
        () => {
          ctx.toast(room.name ? `You left ${room.name}.` : "You left the conversation.");
          ctx.navigate("/app/");
        },
        (error: unknown) => {
          yes.disabled = false;
          ctx.toast(messageOf(error, "Leaving did not work."), "error");
        },
      );
    });
  });
  return leave;
}

function callControls(room: ApiRoom, ctx: AppContext): HTMLElement {
  const box = h("div", { class: "call-controls", role: "group", "aria-label": "Call" });
  // Answers can cross (a read started before an end finishes): only the latest one is shown.
  let latest = 0;
  const render = (url: string | undefined) => {
    box.replaceChildren();
    if (url === undefined) {
      const start = h("button", { type: "button" }, "Start call");
      start.addEventListener("click", () => {
        start.disabled = true;
        // Opened before the answer, from the click itself, so no popup blocker stops it.
        const tab = window.open("", "_blank");
        ctx.transport.startCall(room.id).then(
          (call) => {
            latest++;
            if (tab) {
              tab.opener = null;
              tab.location.href = call.url;
            }
            render(call.url);
          },
          (error: unknown) => {
            tab?.close();
            start.disabled = false;
            ctx.toast(messageOf(error, "The call could not be started."), "error");
          },
        );
      });
      box.append(start);
      return;
    }
    const end = h("button", { type: "button" }, "End call");
    end.addEventListener("click", () => {
      end.disabled = true;
      ctx.transport.endCall(room.id).then(
        () => {
          latest++;
          render(undefined);
        },
        (error: unknown) => {
          end.disabled = false;
          ctx.toast(messageOf(error, "The call could not be ended."), "error");
        },
      );
    });
    box.append(h("a", { href: url, target: "_blank", rel: "noopener noreferrer", class: "button" }, "Join call"), end);
  };
  const load = () => {
    const mine = ++latest;
    return ctx.transport.call(room.id).then(
      (call) => mine === latest && render(call?.url),
      () => undefined,
    );
  };
  // Someone (here, in Element, or by `!call`) started or ended the call: sync says so.
  box.addEventListener(CALL_CHANGED, () => void load());
  void load();
  return box;
}

function expiryControl(room: ApiRoom, ctx: AppContext): HTMLElement {
  const id = `expiry-${room.id}`;
  const select = h("select", { id }, EXPIRY_CHOICES.map(([label, seconds]) => h("option", { value: seconds === null ? "" : String(seconds) }, label)));
  const form = h("form", { class: "inline-form" }, h("label", { for: id }, "Disappearing messages"), select, h("button", { type: "submit" }, "Set"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const seconds = select.value === "" ? null : Number(select.value);
    submitting(form, ctx.transport.setExpiry(room.id, seconds)).then(
      () => ctx.toast(seconds === null ? "Messages no longer disappear." : `New messages disappear after ${select.selectedOptions[0]?.textContent ?? ""}.`),
      (error: unknown) => ctx.toast(messageOf(error, "The timer was not set."), "error"),
    );
  });
  return form;
}
