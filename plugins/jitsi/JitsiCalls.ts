import { randomBytes } from "node:crypto";
import type { PluginContext, PluginMatrixEvent, PluginRoom } from "../../src/plugins/pluginApi.js";
import { type JitsiConfig, jwtSettings } from "./jitsiConfigSchema.js";
import { mintJitsiToken, type JitsiTokenUser } from "./jitsiToken.js";
import {
  callFromWidget,
  type JitsiCall,
  jitsiWidgetContent,
  LAYOUT_EVENT,
  layoutWidgetIds,
  layoutWith,
  layoutWithout,
  meetingUrl,
  WIDGET_EVENT,
} from "./jitsiWidget.js";

/** A stored call: the widget this plugin wrote for a room, until it is removed (by us or by a client). */
interface CallRecord {
  call: JitsiCall;
  startedAt: number;
}

const RECORD_PREFIX = "call:";

/**
 * Starts and ends a room's Jitsi call. The room's Matrix state is the truth (a call an Element user
 * started is seen and can be ended too); the plugin store keeps the calls it started so a second
 * start or an end right after a start does not depend on the outbox having sent the state yet.
 */
export class JitsiCalls {
  private readonly now: () => number;
  private readonly random: (bytes: number) => Buffer;
  private readonly jwt: ReturnType<typeof jwtSettings>;

  constructor(
    private readonly ctx: Pick<PluginContext<JitsiConfig>, "config" | "store" | "matrix" | "notify" | "logger">,
    options: { now?: () => number; random?: (bytes: number) => Buffer } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? randomBytes;
    this.jwt = jwtSettings(ctx.config);
  }

  /** Whether members need their own token to enter (a JWT-authenticated Jitsi server). */
  get needsTokens(): boolean {
    return this.jwt !== undefined;
  }

  /** The call running in `room`, if any. */
  async current(room: PluginRoom): Promise<JitsiCall | undefined> {
    const record = await this.ctx.store.get<CallRecord>(recordKey(room));
    if (record) return record.call;
    const layout = await this.ctx.matrix.getState(room, LAYOUT_EVENT, "");
    for (const widgetId of layoutWidgetIds(layout)) {
      const call = callFromWidget(widgetId, await this.ctx.matrix.getState(room, WIDGET_EVENT, widgetId), this.ctx.config.domain);
      if (call) return call;
    }
    return undefined;
  }

  /** Whether `userId` may change the room's widgets, by the room's power levels. */
  async mayChangeWidgets(room: PluginRoom, userId: string): Promise<{ allowed: boolean; user: number; needed: number }> {
    const levels = await this.ctx.matrix.powerFor(room, userId, WIDGET_EVENT);
    return { allowed: levels.user >= levels.needed, ...levels };
  }

  /**
   * Adds the widget, pins it on top and posts the meeting link; when a call already runs, changes
   * nothing and answers it. Permission is the caller's business (power levels or membership).
   */
  async start(room: PluginRoom, input: { creatorUserId: string; audioOnly: boolean; roomName?: string }): Promise<{ call: JitsiCall; created: boolean }> {
    const running = await this.current(room);
    if (running) return { call: running, created: false };
    const roomName = input.roomName ?? (await this.ctx.matrix.getState(room, "m.room.name", ""))?.name;
    const call: JitsiCall = {
      widgetId: `mirage_jitsi_${this.randomId(16)}`,
      conferenceId: `mirage${this.randomId(24)}`,
      domain: this.ctx.config.domain,
      audioOnly: input.audioOnly,
      creatorUserId: input.creatorUserId,
      roomName: typeof roomName === "string" ? roomName : "",
    };
    await this.ctx.store.put(recordKey(room), { call, startedAt: this.now() } satisfies CallRecord);
    await this.ctx.matrix.setState(room, WIDGET_EVENT, call.widgetId, jitsiWidgetContent(call, this.ctx.config.widgetWrapperUrl));
    const layout = await this.ctx.matrix.getState(room, LAYOUT_EVENT, "");
    await this.ctx.matrix.setState(room, LAYOUT_EVENT, "", layoutWith(layout, call.widgetId));
    await this.ctx.matrix.sendNotice(room, this.announcement(call));
    await this.ctx.notify.room(room, "call.started", callNotice(call));
    this.ctx.logger.info({ widgetId: call.widgetId, audioOnly: call.audioOnly }, "jitsi call started");
    return { call, created: true };
  }

  /** Empties the widget, unpins it and says so; undefined when no call runs. */
  async end(room: PluginRoom): Promise<JitsiCall | undefined> {
    const call = await this.current(room);
    if (!call) return undefined;
    await this.ctx.matrix.removeState(room, WIDGET_EVENT, call.widgetId);
    const layout = await this.ctx.matrix.getState(room, LAYOUT_EVENT, "");
    await this.ctx.matrix.setState(room, LAYOUT_EVENT, "", layoutWithout(layout, call.widgetId));
    await this.forget(call.widgetId);
    await this.ctx.matrix.sendNotice(room, "The call has ended.");
    await this.ctx.notify.room(room, "call.ended", { widgetId: call.widgetId });
    this.ctx.logger.info({ widgetId: call.widgetId }, "jitsi call ended");
    return call;
  }

  /** A Matrix user's membership in `room`, from its state. */
  async membership(room: PluginRoom, userId: string): Promise<string | undefined> {
    const member = await this.ctx.matrix.getState(room, "m.room.member", userId);
    return typeof member?.membership === "string" ? member.membership : undefined;
  }

  /** The member's own entry token, when the server authenticates with JWTs. */
  tokenFor(call: JitsiCall, user: JitsiTokenUser): string | undefined {
    if (!this.jwt) return undefined;
    return mintJitsiToken({ ...this.jwt, domain: call.domain, conferenceId: call.conferenceId, user, now: this.now() });
  }

  /**
   * Follows calls that Matrix clients start and end (Element's own Jitsi widget), so web members
   * hear of them; forgets a stored call whose widget a client emptied or replaced. Mirage's own
   * changes were announced when made.
   */
  async observe(event: PluginMatrixEvent): Promise<void> {
    if (event.type !== WIDGET_EVENT || event.stateKey === undefined) return;
    const room = { matrixRoomId: event.roomId };
    const call = callFromWidget(event.stateKey, event.content, this.ctx.config.domain);
    if (call) {
      if (!event.fromMirage) await this.ctx.notify.room(room, "call.started", callNotice({ ...call, creatorUserId: event.sender }));
      return;
    }
    const known = await this.forget(event.stateKey);
    if (!event.fromMirage && (known || Object.keys(event.content).length === 0)) await this.ctx.notify.room(room, "call.ended", { widgetId: event.stateKey });
  }

  private announcement(call: JitsiCall): string {
    const kind = call.audioOnly ? "An audio call" : "A video call";
    const token = this.jwt ? " It needs a personal token: members get theirs with `!call token` in a direct message with me, or from the web." : "";
    return `${kind} started: ${meetingUrl(call)}${token}`;
  }

  /** Whether a stored call had this widget. */
  private async forget(widgetId: string): Promise<boolean> {
    let known = false;
    for (const { key, value } of await this.ctx.store.list<CallRecord>(RECORD_PREFIX)) {
      if (value.call.widgetId !== widgetId) continue;
      await this.ctx.store.delete(key);
      known = true;
    }
    return known;
  }

  /** Lowercase letters and digits: Jitsi lower-cases conference names, and a token's `room` must match. */
  private randomId(length: number): string {
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    return [...this.random(length)].map((byte) => alphabet[byte % alphabet.length]).join("");
  }
}

/** What sync tells a room's web members when a call starts: enough to show it and join (the URL carries no token). */
function callNotice(call: JitsiCall): Record<string, unknown> {
  return { widgetId: call.widgetId, audioOnly: call.audioOnly, url: meetingUrl(call), startedBy: call.creatorUserId };
}

function recordKey(room: PluginRoom): string {
  if ("roomId" in room) return `${RECORD_PREFIX}room:${room.roomId}`;
  if ("matrixRoomId" in room) return `${RECORD_PREFIX}matrix:${room.matrixRoomId}`;
  return `${RECORD_PREFIX}blog:${room.blog}`;
}
