import { describe, expect, it } from "vitest";
import type { Command } from "../../src/platform/commands/Command.js";
import { CommandDispatcher, type RoomFacts } from "../../src/platform/commands/CommandDispatcher.js";
import { CommandRegistry } from "../../src/platform/commands/CommandRegistry.js";
import { coreCommands } from "../../src/platform/commands/coreCommands.js";
import { tokenizeCommand } from "../../src/platform/commands/tokenizeCommand.js";
import { ErrorCodes, MirageError } from "../../src/platform/errors/MirageError.js";

function facts(overrides: Partial<RoomFacts> = {}): RoomFacts {
  return {
    powerLevel: async () => 0,
    isDirectWithBot: async () => false,
    isBridgeAdmin: () => false,
    place: async () => ({ kind: "room" }),
    ...overrides,
  };
}

function setup(extra: Command[] = [], roomFacts = facts()) {
  const registry = new CommandRegistry();
  for (const c of [...coreCommands({ version: "9.9.9" }), ...extra]) registry.register(c);
  const dispatcher = new CommandDispatcher(registry, roomFacts, () => 1_500);
  const send = (body: string) => dispatcher.dispatch({ body, sender: "@u:t", roomId: "!r:t", eventId: "$e", sentAt: 1_000 });
  return { registry, send };
}

const echo: Command = {
  name: "blog post",
  summary: "post",
  permission: "moderator",
  args: [
    { name: "title", description: "title", required: true },
    { name: "body", description: "body", rest: true },
  ],
  run(ctx) {
    ctx.reply(`${ctx.args.title}|${ctx.args.body ?? ""}`);
  },
};

describe("tokenizeCommand", () => {
  it("splits words and honours quotes and escapes", () => {
    expect(tokenizeCommand('!blog post "My title" rest of it')?.tokens).toEqual(["blog", "post", "My title", "rest", "of", "it"]);
    expect(tokenizeCommand("!a b\\ c 'd e'")?.tokens).toEqual(["a", "b c", "d e"]);
    expect(tokenizeCommand("hello !mirage")).toBeUndefined();
    expect(tokenizeCommand("! mirage")).toBeUndefined();
    expect(() => tokenizeCommand('!a "open')).toThrow(/Unclosed/);
  });
});

describe("CommandDispatcher", () => {
  it("generates help from the registered commands", async () => {
    const { send } = setup([echo]);
    const result = await send("!mirage help");
    expect(result.kind).toBe("ran");
    const [reply] = (result as { replies: { text: string; html?: string }[] }).replies;
    expect(reply!.text).toContain("!mirage ping — check that the bridge answers");
    expect(reply!.text).toContain("!blog post <title> [body…] — post (room moderators)");
    expect(reply!.html).toContain("<code>!blog post &#60;title&#62; [body…]</code>");
  });

  it("answers ping and version, matching names case-insensitively", async () => {
    const { send } = setup();
    expect(await send("!MIRAGE Ping")).toMatchObject({ kind: "ran", replies: [{ text: expect.stringContaining("500 ms") }] });
    expect(await send("!mirage version")).toMatchObject({ replies: [{ text: expect.stringContaining("Mirage 9.9.9") }] });
  });

  it("checks power levels centrally; bridge admins pass everywhere", async () => {
    const low = setup([echo], facts({ powerLevel: async () => 10 }));
    expect(await low.send("!blog post T")).toMatchObject({ kind: "rejected", reason: "permission" });
    const mod = setup([echo], facts({ powerLevel: async () => 50 }));
    expect(await mod.send('!blog post "T 1" body  text')).toMatchObject({ kind: "ran", replies: [{ text: "T 1|body  text" }] });
    const admin = setup([echo], facts({ isBridgeAdmin: () => true }));
    expect(await admin.send("!blog post T")).toMatchObject({ kind: "ran" });
  });

  it("explains missing and extra arguments with the usage line", async () => {
    const { send } = setup([echo], facts({ powerLevel: async () => 100 }));
    expect(await send("!blog post")).toMatchObject({ reason: "usage", replies: [{ text: expect.stringContaining("Missing title.\nUsage: !blog post <title> [body…]") }] });
    expect(await send("!mirage ping extra")).toMatchObject({ reason: "usage", replies: [{ text: expect.stringContaining("Too many arguments") }] });
  });

  it("helps with unknown commands in its namespace and in DMs, stays quiet elsewhere", async () => {
    const { send } = setup();
    expect(await send("!mirage frobnicate")).toMatchObject({
      reason: "unknown",
      replies: [{ text: expect.stringMatching(/Unknown command !mirage frobnicate.*!mirage ping.*!mirage help/s) }],
    });
    expect(await send("!otherbot do")).toEqual({ kind: "ignored" });
    const dm = setup([], facts({ isDirectWithBot: async () => true }));
    expect(await dm.send("!otherbot do")).toMatchObject({ reason: "unknown", replies: [{ text: expect.stringContaining("!mirage help") }] });
    expect(await dm.send("just chatting")).toEqual({ kind: "not-a-command" });
  });

  it("turns MirageErrors into replies and lets other errors through", async () => {
    const failing: Command = {
      name: "fail soft",
      summary: "x",
      permission: "anyone",
      run() {
        throw new MirageError(ErrorCodes.notFound, "No such blog.");
      },
    };
    const crashing: Command = { name: "fail hard", summary: "x", permission: "anyone", run: () => Promise.reject(new Error("boom")) };
    const { send } = setup([failing, crashing]);
    expect(await send("!fail soft")).toMatchObject({ reason: "failed", replies: [{ text: "⚠️ No such blog." }] });
    await expect(send("!fail hard")).rejects.toThrow("boom");
  });

  it("rejects duplicate names and badly ordered arguments at registration", () => {
    const { registry } = setup();
    expect(() => registry.register({ name: "Mirage  PING", summary: "", permission: "anyone", run() {} })).toThrow(/already registered/);
    expect(() =>
      registry.register({
        name: "x",
        summary: "",
        permission: "anyone",
        args: [{ name: "a", description: "" }, { name: "b", description: "", required: true }],
        run() {},
      }),
    ).toThrow(/follows an optional/);
  });
});
