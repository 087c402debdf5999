/** Element's state event types for room widgets and their layout. */
export const WIDGET_EVENT = "im.vector.modular.widgets";
export const LAYOUT_EVENT = "io.element.widgets.layout";

/** What a Jitsi call in a room is: enough to rebuild its widget, link and tokens. */
export interface JitsiCall {
  widgetId: string;
  conferenceId: string;
  domain: string;
  audioOnly: boolean;
  /** Matrix user ID of whoever started it (the widget's `creatorUserId`). */
  creatorUserId: string;
  roomName: string;
}

/**
 * The widget URL in Element's form: its Jitsi wrapper, the conference in the query string
 * (`confId`), and the options in the fragment as widget template variables, which the client fills
 * in from the widget's `data` and the viewer (user, display name, avatar, room, theme, language)
 * and which never reach the wrapper's server.
 */
export function jitsiWidgetUrl(wrapperUrl: string, conferenceId: string): string {
  const url = new URL(wrapperUrl);
  url.search = "";
  url.hash = "";
  url.searchParams.set("confId", conferenceId);
  // The `$` variables stay literal: clients substitute them (matrix-widget-api `runTemplate`).
  const fragment = [
    "conferenceDomain=$domain",
    "conferenceId=$conferenceId",
    "isAudioOnly=$isAudioOnly",
    "isVideoChannel=$isVideoChannel",
    "displayName=$matrix_display_name",
    "avatarUrl=$matrix_avatar_url",
    "userId=$matrix_user_id",
    "roomId=$matrix_room_id",
    "theme=$theme",
    "roomName=$roomName",
    "supportsScreensharing=true",
    "language=$org.matrix.msc2873.client_language",
  ].join("&");
  return `${url.href}#${fragment}`;
}

/** The `im.vector.modular.widgets` content of a call, as Element writes a Jitsi widget. */
export function jitsiWidgetContent(call: JitsiCall, wrapperUrl: string): Record<string, unknown> {
  return {
    type: "jitsi",
    url: jitsiWidgetUrl(wrapperUrl, call.conferenceId),
    name: "Jitsi",
    id: call.widgetId,
    creatorUserId: call.creatorUserId,
    waitForIframeLoad: true,
    data: {
      conferenceId: call.conferenceId,
      roomName: call.roomName,
      isAudioOnly: call.audioOnly,
      isVideoChannel: false,
      domain: call.domain,
    },
  };
}

/** A call read back from widget state (ours or Element's); undefined when it is not a live Jitsi widget. */
export function callFromWidget(widgetId: string, content: Record<string, unknown> | undefined, fallbackDomain: string): JitsiCall | undefined {
  if (!content || typeof content.url !== "string" || (content.type !== "jitsi" && content.type !== "m.jitsi")) return undefined;
  const data = isRecord(content.data) ? content.data : {};
  const conferenceId = typeof data.conferenceId === "string" ? data.conferenceId : new URL(content.url).searchParams.get("confId");
  if (!conferenceId) return undefined;
  return {
    widgetId,
    conferenceId,
    domain: typeof data.domain === "string" && data.domain !== "" ? data.domain : fallbackDomain,
    audioOnly: data.isAudioOnly === true,
    creatorUserId: typeof content.creatorUserId === "string" ? content.creatorUserId : "",
    roomName: typeof data.roomName === "string" ? data.roomName : "",
  };
}

/** The layout with `widgetId` pinned on top (first, as Element pins a call), other widgets kept. */
export function layoutWith(layout: Record<string, unknown> | undefined, widgetId: string): Record<string, unknown> {
  const widgets = layoutWidgets(layout);
  return { ...(layout ?? {}), widgets: { ...widgets, [widgetId]: { container: "top", index: 0, width: 100, height: 40 } } };
}

/** The layout without `widgetId`. */
export function layoutWithout(layout: Record<string, unknown> | undefined, widgetId: string): Record<string, unknown> {
  const { [widgetId]: _removed, ...rest } = layoutWidgets(layout);
  return { ...(layout ?? {}), widgets: rest };
}

/** IDs of the widgets a layout places, top container first. */
export function layoutWidgetIds(layout: Record<string, unknown> | undefined): string[] {
  const widgets = layoutWidgets(layout);
  const top = (id: string) => (isRecord(widgets[id]) && widgets[id].container === "top" ? 0 : 1);
  return Object.keys(widgets).sort((a, b) => top(a) - top(b));
}

/** The link anyone can open in a browser or the Jitsi app; with a token for JWT-authenticated servers. */
export function meetingUrl(call: Pick<JitsiCall, "domain" | "conferenceId">, token?: string): string {
  const url = new URL(`https://${call.domain}/${encodeURIComponent(call.conferenceId)}`);
  if (token) url.searchParams.set("jwt", token);
  return url.href;
}

function layoutWidgets(layout: Record<string, unknown> | undefined): Record<string, unknown> {
  return layout && isRecord(layout.widgets) ? layout.widgets : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
