import type { AppContext, Screen } from "../context.js";
import { h, replaceChildren } from "../dom.js";
import { editorApi, type EditorApi } from "../editorApi.js";
import type { OwnProfile, ProfileFields } from "../editorTypes.js";
import { ApiFailure } from "../transport.js";
import { debounce, describeFailure, fieldOfFailure, latestOnly } from "../editing.js";
import { field, setFieldError, type Field } from "./editorForm.js";
import { profilePreviewFrame } from "./profilePreviewFrame.js";
import { errorState, loadingState } from "./states.js";

const FIELDS = ["displayName", "avatarUrl", "bio", "customHtml", "customCss"] as const satisfies ReadonlyArray<keyof ProfileFields>;
type FieldName = (typeof FIELDS)[number];
/** As in the server's profile schema. */
const LIMITS: Record<FieldName, number> = { displayName: 100, avatarUrl: 2048, bio: 10_000, customHtml: 100_000, customCss: 50_000 };
const PREVIEW_PAUSE_MS = 350;

/** Display name, avatar, bio and the custom HTML and CSS of the public profile, with a live preview of that page. */
export function profileEditorScreen(pagesStylesheets: () => string[]): Screen {
  return {
    mount(root, ctx) {
      const api = editorApi(ctx.transport);
      const body = h("div", { class: "editor-body" }, loadingState("your profile"));
      let teardown = () => undefined as void;
      let closed = false;
      const load = async () => {
        replaceChildren(body, loadingState("your profile"));
        try {
          const profile = await api.profile();
          if (!closed) teardown = renderEditor(body, profile, api, ctx, pagesStylesheets());
        } catch (error) {
          if (!closed) replaceChildren(body, errorState(describeFailure(error, "Your profile could not be loaded."), () => void load()));
        }
      };
      root.append(h("section", { class: "editor-screen profile-editor" }, h("h1", null, "Your profile"), body));
      void load();
      return () => {
        closed = true;
        teardown();
      };
    },
  };
}

function renderEditor(container: HTMLElement, initial: OwnProfile, api: EditorApi, ctx: AppContext, stylesheets: string[]): () => void {
  let saved: ProfileFields = pick(initial);
  const input = (name: FieldName, type = "text") => h("input", { name, type, value: saved[name], maxLength: LIMITS[name], spellcheck: name === "displayName" });
  const area = (name: FieldName, rows: number, code: boolean) =>
    h("textarea", { name, rows, maxLength: LIMITS[name], value: saved[name], spellcheck: !code, class: code ? "code-input" : undefined });
  const fields: Record<FieldName, Field<HTMLInputElement | HTMLTextAreaElement>> = {
    displayName: field("profile-displayName", "Display name", input("displayName")),
    avatarUrl: field("profile-avatarUrl", "Avatar URL", input("avatarUrl", "url"), "An https address of an image; leave empty for none."),
    bio: field("profile-bio", "Bio", area("bio", 4, false), "Markdown."),
    customHtml: field("profile-customHtml", "Custom HTML", area("customHtml", 10, true), "Shown on your public profile inside its own box. Scripts, forms and frames are removed."),
    customCss: field("profile-customCss", "Custom CSS", area("customCss", 8, true), "Styles only what is inside your box; other rules are dropped."),
  };
  const status = h("p", { class: "form-status", role: "status" });
  const previewStatus = h("p", { class: "preview-status", role: "status", id: "profile-preview-status" });
  const frame = profilePreviewFrame(stylesheets);
  const save = h("button", { type: "submit", class: "button-primary" }, "Save profile");
  const form = h(
    "form",
    { class: "editor-form", "aria-label": "Profile" },
    FIELDS.map((name) => fields[name].element),
    h("div", { class: "form-actions" }, save, h("a", { href: `/@${encodeURIComponent(initial.name)}`, target: "_blank", rel: "noopener" }, "View your public profile"), status),
  );
  replaceChildren(
    container,
    h(
      "div",
      { class: "editor-columns" },
      form,
      h("section", { class: "preview-pane", "aria-labelledby": "profile-preview-heading" }, h("h2", { id: "profile-preview-heading" }, "Preview"), previewStatus, frame.element),
    ),
  );

  const values = (): ProfileFields => Object.fromEntries(FIELDS.map((name) => [name, fields[name].control.value])) as unknown as ProfileFields;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const preview = latestOnly(async (current: ProfileFields) => {
    previewStatus.textContent = "Updating preview…";
    try {
      const shown = await api.previewProfile({ bio: current.bio, customHtml: current.customHtml, customCss: current.customCss });
      if (closed) return;
      for (const name of ["bio", "customHtml", "customCss"] as const) setFieldError(fields[name], undefined);
      frame.show({ displayName: current.displayName.trim() || initial.name, handle: `@${initial.name}`, ...shown });
      previewStatus.textContent = "Preview up to date.";
    } catch (error) {
      if (closed) return;
      const name = fieldOfFailure(error, ["bio", "customHtml", "customCss"] as const);
      if (name) setFieldError(fields[name], describeFailure(error, ""));
      previewStatus.textContent = `Preview not updated: ${describeFailure(error, "the server did not answer.")}`;
      // A full preview budget or a busy server: try again once it said it would take more.
      if (error instanceof ApiFailure && (error.status === 429 || error.status === 503)) {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => schedule(), error.retryAfterMs ?? 1000);
      }
    }
  });
  const schedule = debounce(() => preview(values()), PREVIEW_PAUSE_MS);
  form.addEventListener("input", () => {
    status.textContent = dirty(values(), saved) ? "Unsaved changes." : "";
    schedule();
  });
  // The saved profile, as it is shown now.
  frame.show({
    displayName: initial.displayName || initial.name,
    handle: `@${initial.name}`,
    bioHtml: initial.bioHtml,
    html: initial.customHtmlSanitized,
    css: initial.customCssSanitized,
  });
  preview(values());

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const current = values();
    const patch = Object.fromEntries(FIELDS.filter((name) => current[name] !== saved[name]).map((name) => [name, current[name]])) as Partial<ProfileFields>;
    for (const name of FIELDS) setFieldError(fields[name], undefined);
    if (Object.keys(patch).length === 0) {
      status.textContent = "Nothing to save.";
      return;
    }
    save.disabled = true;
    form.setAttribute("aria-busy", "true");
    status.textContent = "Saving…";
    api.saveProfile(patch).then(
      (profile) => {
        if (closed) return;
        saved = pick(profile);
        save.disabled = false;
        form.removeAttribute("aria-busy");
        status.textContent = dirty(values(), saved) ? "Saved; newer changes are not saved yet." : "Saved.";
        ctx.announce("Profile saved.");
      },
      (error: unknown) => {
        if (closed) return;
        save.disabled = false;
        form.removeAttribute("aria-busy");
        const name = error instanceof ApiFailure && (error.code === "NAME_CONFUSABLE" || error.code === "NAME_RESERVED") ? "displayName" : fieldOfFailure(error, FIELDS);
        const message = describeFailure(error, "Your profile could not be saved.");
        if (name) {
          setFieldError(fields[name], message);
          fields[name].control.focus();
          status.textContent = "Not saved: check the marked field.";
        } else status.textContent = `Not saved: ${message}`;
      },
    );
  });

  return () => {
    closed = true;
    schedule.cancel();
    clearTimeout(retryTimer);
  };
}

const pick = (profile: OwnProfile): ProfileFields => ({
  displayName: profile.displayName,
  avatarUrl: profile.avatarUrl,
  bio: profile.bio,
  customHtml: profile.customHtml,
  customCss: profile.customCss,
});

const dirty = (a: ProfileFields, b: ProfileFields) => FIELDS.some((name) => a[name] !== b[name]);
