import { describe, expect, it } from "vitest";
import type { Command } from "../../src/platform/commands/Command.js";
import { CommandDispatcher, type RoomFacts } from "../../src/platform/commands/CommandDispatcher.js";
import { CommandRegistry, usage } from "../../src/platform/commands/CommandRegistry.js";
import { splitCommandMessage } from "../../src/platform/commands/splitCommandMessage.js";

/* A command's flags, its arguments on the command line and its text on the lines below. */

const facts: RoomFacts = {
  powerLevel: async () => 0,
  isDirectWithBot: async () => true,
  isBridgeAdmin: () => false,
  place: async () => ({ kind: "dm" }),
};

const write: Command = {
  name: "note write",
  summary: "write a note",
  permission: "anyone",
  flags: [{ name: "draft", description: "keep it" }],
  args: [{ name: "title", description: "title", required: true, rest: true }],
  text: { name: "body", description: "Markdown", required: true },
  run(ctx) {
    ctx.reply(JSON.stringify({ title: ctx.args.title, draft: ctx.flags.has("draft"), body: ctx.text }));
  },
};
const rename: Command = {
  name: "note rename",
  summary: "rename",
  permission: "anyone",
  args: [{ name: "title", description: "title", required: true, rest: true }],
  run(ctx) {
    ctx.reply(ctx.args.title!);
  },
};

function setup() {
  const registry = new CommandRegistry();
  for (const c of [write, rename]) registry.register(c);
  const dispatcher = new CommandDispatcher(registry, facts);
  const send = (body: string) => dispatcher.dispatch({ body, sender: "@u:t", roomId: "!r:t", eventId: "$e", sentAt: 0 });
  const ran = async (body: string) => {
    const result = await send(body);
    if (result.kind !== "ran") throw new Error(`not run: ${JSON.stringify(result)}`);
    return JSON.parse(result.replies[0]!.text) as { title: string; draft: boolean; body: string };
  };
  return { dispatcher, send, ran };
}

describe("splitCommandMessage", () => {
  it("keeps the first non-blank line as the command and the rest as typed", () => {
    expect(splitCommandMessage("!note write T")).toEqual({ line: "!note write T", text: "" });
    expect(splitCommandMessage("\n  !note write T  \n\n\n  indented code\n- item\n\n")).toEqual({ line: "!note write T", text: "  indented code\n- item" });
    expect(splitCommandMessage("!a\r\nline 1\r\nline 2")).toEqual({ line: "!a", text: "line 1\r\nline 2" });
    expect(splitCommandMessage("   ")).toEqual({ line: "", text: "" });
  });
});

describe("command flags and text", () => {
  it("takes the title from the command line and the body from the lines below", async () => {
    const { ran } = setup();
    expect(await ran("!note write Hello world\nFirst *line*\n\nSecond line")).toEqual({ title: "Hello world", draft: false, body: "First *line*\n\nSecond line" });
  });

  it("reads a body with quotes and apostrophes, which are not the command's words", async () => {
    const { ran, dispatcher } = setup();
    const body = `!note write It's "done"\nDon't "quote" me\nit's fine`;
    expect(dispatcher.addresses(body)).toBe(true);
    expect(await ran(body)).toEqual({ title: `It's "done"`, draft: false, body: `Don't "quote" me\nit's fine` });
  });

  it("binds leading --flags; -- ends them; unknown ones are usage errors", async () => {
    const { ran, send } = setup();
    expect(await ran("!note write --draft My title\nbody")).toMatchObject({ title: "My title", draft: true });
    expect(await ran("!note write --DRAFT T\nbody")).toMatchObject({ draft: true });
    expect(await ran("!note write -- --draft is a title\nbody")).toMatchObject({ title: "--draft is a title", draft: false });
    expect(await ran("!note write Title with --draft inside\nbody")).toMatchObject({ title: "Title with --draft inside", draft: false });
    expect(await send("!note write --drfat T\nbody")).toMatchObject({ reason: "usage", replies: [{ text: expect.stringContaining("Unknown option --drfat.") }] });
  });

  it("refuses a missing body, and text after a command that takes none", async () => {
    const { send } = setup();
    expect(await send("!note write Title")).toMatchObject({ reason: "usage", replies: [{ text: expect.stringContaining("Missing body: write it on the lines after the command.") }] });
    expect(await send("!note write Title\n   \n")).toMatchObject({ reason: "usage" });
    expect(await send("!note write --draft\nbody")).toMatchObject({ reason: "usage", replies: [{ text: expect.stringContaining("Missing title.") }] });
    // Without declared text, the lines below are neither swallowed by a rest argument nor dropped.
    expect(await send("!note rename New name\nstray line")).toMatchObject({ reason: "usage", replies: [{ text: expect.stringContaining("takes nothing on the lines after") }] });
    expect(await send("!note rename New name")).toMatchObject({ kind: "ran", replies: [{ text: "New name" }] });
  });

  it("shows flags and text in the usage line", () => {
    expect(usage(write)).toBe("!note write [--draft] <title…> + <body> on the lines below");
  });
});

describe("quotes in command lines", () => {
  it("treats an apostrophe inside a word as a character, and unquotes a one-word rest", async () => {
    const { send } = setup();
    expect(await send("!note rename Bob's notes")).toMatchObject({ kind: "ran", replies: [{ text: "Bob's notes" }] });
    expect(await send('!note rename "Quoted title"')).toMatchObject({ kind: "ran", replies: [{ text: "Quoted title" }] });
    expect(await send('!note rename "Unclosed title')).toMatchObject({ reason: "usage", replies: [{ text: expect.stringContaining("Unclosed") }] });
  });
});
