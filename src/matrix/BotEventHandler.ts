import type { Appservice } from "@vector-im/matrix-bot-sdk";
import type { Logger } from "../log/createLogger.js";
import type { CommandDispatcher, Reply } from "../platform/commands/CommandDispatcher.js";
import { commandBody } from "./commandBody.js";
import type { EffectSink, EventHandler } from "./EventHandler.js";
import { isTransientError } from "./isTransientError.js";
import type { RoomEvent } from "./matrixEvent.js";

/** The bridge bot: joins rooms it is invited to and answers commands in them. */
export class BotEventHandler implements EventHandler {
  private readonly log: Logger;

  constructor(
    private readonly appservice: Appservice,
    private readonly dispatcher: CommandDispatcher,
    logger: Logger,
  ) {
    this.log = logger.child({ component: "bot" });
  }

  async handle(event: RoomEvent, effects: EffectSink): Promise<void> {
    if (event.type === "m.room.member" && event.stateKey === this.appservice.botUserId) {
      if (event.content.membership === "invite") await this.acceptInvite(event, effects);
      return;
    }
    if (event.type === "m.room.message") await this.onMessage(event, effects);
  }

  private async acceptInvite(event: RoomEvent, effects: EffectSink): Promise<void> {
    try {
      await this.appservice.botIntent.joinRoom(event.roomId);
    } catch (error) {
      if (isTransientError(error)) throw error;
      this.log.warn({ roomId: event.roomId, status: (error as { statusCode?: number }).statusCode }, "could not join on invite");
      return;
    }
    this.log.info({ roomId: event.roomId, inviter: event.sender }, "joined on invite");
    this.notice(effects, event, { text: "Hello! I am the Mirage bridge bot. Send !mirage help to see what I can do." }, false);
  }

  private async onMessage(event: RoomEvent, effects: EffectSink): Promise<void> {
    if (this.appservice.isNamespacedUser(event.sender)) return;
    const body = commandBody(event.type, event.content);
    if (body === undefined) return;
    let replies: Reply[];
    try {
      const result = await this.dispatcher.dispatch({
        body,
        sender: event.sender,
        roomId: event.roomId,
        eventId: event.eventId,
        sentAt: event.originServerTs,
      });
      if (result.kind === "not-a-command" || result.kind === "ignored") return;
      replies = result.replies;
      this.log.info(
        { roomId: event.roomId, eventId: event.eventId, outcome: result.kind === "ran" ? "ran" : result.reason },
        "command handled",
      );
    } catch (error) {
      if (isTransientError(error)) throw error;
      this.log.error({ roomId: event.roomId, eventId: event.eventId, err: error }, "command failed");
      replies = [{ text: "⚠️ Something went wrong while running that command; the bridge admin can find details in the log." }];
    }
    for (const reply of replies) this.notice(effects, event, reply, true);
  }

  private notice(effects: EffectSink, cause: RoomEvent, reply: Reply, asReply: boolean): void {
    const content: Record<string, unknown> = { msgtype: "m.notice", body: reply.text };
    if (reply.html !== undefined) {
      content.format = "org.matrix.custom.html";
      content.formatted_body = reply.html;
    }
    if (asReply) content["m.relates_to"] = replyRelation(cause);
    effects.send({ op: "send", sender: this.appservice.botUserId, roomId: cause.roomId, eventType: "m.room.message", content });
  }
}

function relation(content: Record<string, unknown>): Record<string, unknown> | undefined {
  const rel = content["m.relates_to"];
  return typeof rel === "object" && rel !== null ? (rel as Record<string, unknown>) : undefined;
}

/** A reply to `cause`, kept inside its thread when it was sent in one. */
function replyRelation(cause: RoomEvent): Record<string, unknown> {
  const rel = relation(cause.content);
  if (rel?.rel_type === "m.thread" && typeof rel.event_id === "string") {
    return { rel_type: "m.thread", event_id: rel.event_id, is_falling_back: false, "m.in_reply_to": { event_id: cause.eventId } };
  }
  return { "m.in_reply_to": { event_id: cause.eventId } };
}
