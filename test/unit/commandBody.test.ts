import pino from "pino";
import { describe, expect, it } from "vitest";
import type { Appservice } from "@vector-im/matrix-bot-sdk";
import { BotEventHandler } from "../../src/matrix/BotEventHandler.js";
import { commandBody } from "../../src/matrix/commandBody.js";
import type { EffectSink, EventHandler } from "../../src/matrix/EventHandler.js";
import { EventRouter } from "../../src/matrix/EventRouter.js";
import type { RoomEvent } from "../../src/matrix/matrixEvent.js";
import type { CommandDispatcher, IncomingCommandMessage } from "../../src/platform/commands/CommandDispatcher.js";

/* What a Matrix message says as a command: the plain body as typed, without a reply fallback. */

const reply = (body: string) => ({ msgtype: "m.text", body, "m.relates_to": { "m.in_reply_to": { event_id: "$earlier" } } });
const fallback = "> <@alice:hs> what do I type?\n> second quoted line\n\n";

describe("commandBody", () => {
  it("takes the plain body of a formatted message, Markdown as typed", () => {
    const content = { msgtype: "m.text", body: "!blog post Hi\n**bold** and `code`", format: "org.matrix.custom.html", formatted_body: "<p>!blog post Hi<br><strong>bold</strong></p>" };
    expect(commandBody("m.room.message", content)).toBe("!blog post Hi\n**bold** and `code`");
  });

  it("strips the reply fallback of a reply, and only of a reply", () => {
    expect(commandBody("m.room.message", reply(`${fallback}!blog list`))).toBe("!blog list");
    expect(commandBody("m.room.message", reply("!blog post T\n> a quote in the body"))).toBe("!blog post T\n> a quote in the body");
    expect(commandBody("m.room.message", { msgtype: "m.text", body: "> quoted\n\n!blog list" })).toBe("> quoted\n\n!blog list");
  });

  it("is nothing for edits, other message types and other events", () => {
    expect(commandBody("m.room.message", { msgtype: "m.text", body: "!blog list", "m.relates_to": { rel_type: "m.replace", event_id: "$x" } })).toBeUndefined();
    expect(commandBody("m.room.message", { msgtype: "m.notice", body: "!blog list" })).toBeUndefined();
    expect(commandBody("m.reaction", { body: "!blog list" })).toBeUndefined();
  });
});

const event = (content: Record<string, unknown>): RoomEvent => ({
  type: "m.room.message",
  roomId: "!blogroom:hs",
  sender: "@bob:elsewhere",
  eventId: "$cmd",
  originServerTs: 0,
  stateKey: undefined,
  content,
});

describe("a command sent as a reply", () => {
  it("goes to the bot, which dispatches it without the fallback", async () => {
    const seen: string[] = [];
    const bridge: EventHandler = { handle: async () => void seen.push("bridge") };
    const dispatched: IncomingCommandMessage[] = [];
    const dispatcher = {
      addresses: (body: string) => body.startsWith("!blog"),
      dispatch: async (message: IncomingCommandMessage) => {
        dispatched.push(message);
        return { kind: "ignored" as const };
      },
    } as unknown as CommandDispatcher;
    const appservice = { botUserId: "@mirage:hs", isNamespacedUser: (id: string) => id.startsWith("@mirage") } as unknown as Appservice;
    const router = new EventRouter({
      botUserId: "@mirage:hs",
      isOwnUser: (id) => id.startsWith("@mirage"),
      isCommand: (body) => dispatcher.addresses(body),
      bot: new BotEventHandler(appservice, dispatcher, pino({ level: "silent" })),
      portal: { portalOf: async () => "blog", handler: bridge },
    });
    const sink: EffectSink = { send: () => undefined };
    await router.handle(event(reply(`${fallback}!blog post Title\nbody`)), sink);
    expect(seen).toEqual([]);
    expect(dispatched.map((m) => m.body)).toEqual(["!blog post Title\nbody"]);
  });
});
