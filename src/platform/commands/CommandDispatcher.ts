import { isMirageError } from "../errors/MirageError.js";
import type { Command, CommandContext } from "./Command.js";
import { CommandRegistry, usage } from "./CommandRegistry.js";
import { permissionRefusal, type CommandPlace, type SenderStanding } from "./checkPermission.js";
import { splitCommandMessage } from "./splitCommandMessage.js";
import { tokenizeCommand } from "./tokenizeCommand.js";

/** A message that may hold a command. */
export interface IncomingCommandMessage {
  body: string;
  sender: string;
  roomId: string;
  eventId: string;
  /** Homeserver timestamp of the message. */
  sentAt: number;
}

/** Facts about the room the dispatcher asks for only when it needs them. */
export interface RoomFacts {
  powerLevel(roomId: string, userId: string): Promise<number>;
  /** True when the room is a one-to-one conversation with the bot. */
  isDirectWithBot(roomId: string): Promise<boolean>;
  isBridgeAdmin(userId: string): boolean;
  /** What the room is to the bridge (a DM with the bot, a blog's room, a portal, another room). */
  place(roomId: string): Promise<CommandPlace>;
}

export interface Reply {
  text: string;
  html?: string;
}

export type DispatchResult =
  | { kind: "not-a-command" }
  | { kind: "ignored" }
  | { kind: "ran"; command: Command; replies: Reply[] }
  | { kind: "rejected"; reason: "unknown" | "permission" | "usage" | "failed"; replies: Reply[] };

/**
 * Parses a message, finds the command, checks permission and arguments centrally, and
 * runs it. Errors that are MirageErrors become replies; anything else propagates so the
 * caller can retry (homeserver trouble) or report an internal failure.
 */
export class CommandDispatcher {
  constructor(
    private readonly registry: CommandRegistry,
    private readonly facts: RoomFacts,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether `body` is addressed to a registered command (its first word names one or a namespace
   * of them), so that in a bridged room the bot answers it instead of the bridge carrying it over.
   */
  addresses(body: string): boolean {
    let parsed: ReturnType<typeof tokenizeCommand>;
    try {
      parsed = tokenizeCommand(splitCommandMessage(body).line);
    } catch {
      parsed = undefined;
    }
    const first = parsed?.tokens[0];
    return first !== undefined && (this.registry.match([first]) !== undefined || this.registry.isNamespace(first));
  }

  async dispatch(message: IncomingCommandMessage): Promise<DispatchResult> {
    const replies: Reply[] = [];
    // Only the first line holds the command and its arguments; the lines after are its text.
    const { line, text } = splitCommandMessage(message.body);
    let parsed: ReturnType<typeof tokenizeCommand>;
    try {
      parsed = tokenizeCommand(line);
    } catch (error) {
      if (!isMirageError(error)) throw error;
      return { kind: "rejected", reason: "usage", replies: [{ text: `⚠️ ${error.message}` }] };
    }
    if (!parsed || parsed.tokens.length === 0) return { kind: "not-a-command" };
    const { tokens, offsets } = parsed;

    const match = this.registry.match(tokens);
    // `!mirage frobnicate` must not run `!mirage` (help) with a stray argument.
    const strayWord = match && match.argStart < tokens.length && !match.command.args?.length && this.registry.isNamespace(match.invokedAs);
    if (!match || strayWord) return this.unknown(message, tokens);

    const { command } = match;
    if (command.permission !== "anyone") {
      const refusal = permissionRefusal(command.permission, await this.standing(command, message), command.name);
      if (refusal !== undefined) return { kind: "rejected", reason: "permission", replies: [{ text: refusal }] };
    }

    const args = bindArgs(command, tokens.slice(match.argStart), offsets.slice(match.argStart), line, text);
    if (typeof args === "string") {
      return { kind: "rejected", reason: "usage", replies: [{ text: `⚠️ ${args}\nUsage: ${usage(command)}` }] };
    }

    const ctx: CommandContext = {
      sender: message.sender,
      roomId: message.roomId,
      eventId: message.eventId,
      args: args.values,
      flags: args.flags,
      text,
      invocation: `!${match.invokedAs}`,
      commands: this.registry.all(),
      reply: (text, html) => replies.push(html === undefined ? { text } : { text, html }),
      ageMs: () => Math.max(0, this.now() - message.sentAt),
    };
    try {
      await command.run(ctx);
    } catch (error) {
      if (!isMirageError(error)) throw error;
      replies.push({ text: `⚠️ ${error.message}` });
      return { kind: "rejected", reason: "failed", replies };
    }
    return { kind: "ran", command, replies };
  }

  /** Only the facts the command's permission needs are read from the homeserver. */
  private async standing(command: Command, message: IncomingCommandMessage): Promise<SenderStanding> {
    const base = { sender: message.sender, isBridgeAdmin: this.facts.isBridgeAdmin(message.sender) };
    if (command.permission === "blogOwner") return { ...base, powerLevel: 0, place: await this.facts.place(message.roomId) };
    return { ...base, powerLevel: await this.facts.powerLevel(message.roomId, message.sender) };
  }

  private async unknown(message: IncomingCommandMessage, tokens: string[]): Promise<DispatchResult> {
    const first = tokens[0]!;
    if (this.registry.isNamespace(first)) {
      const known = this.registry.inNamespace(first).map((c) => `!${c.name}`);
      const help = this.registry.match([first, "help"]) ? ` Send !${first.toLowerCase()} help for details.` : "";
      return {
        kind: "rejected",
        reason: "unknown",
        replies: [{ text: `❓ Unknown command !${tokens.join(" ")}. Known: ${known.join(", ")}.${help}` }],
      };
    }
    // Other bots share the `!` prefix: only answer unknown words in a conversation with us.
    if (!(await this.facts.isDirectWithBot(message.roomId))) return { kind: "ignored" };
    const helpName = this.registry.all().find((c) => c.name.endsWith(" help"))?.name;
    return {
      kind: "rejected",
      reason: "unknown",
      replies: [{ text: `❓ !${first} is not a command I know.${helpName ? ` Send !${helpName} for the list.` : ""}` }],
    };
  }
}

/** Binds leading `--flags`, then positional words, then the text on the lines below; a string is a usage error. */
function bindArgs(
  command: Command,
  words: string[],
  offsets: number[],
  line: string,
  text: string,
): { values: Record<string, string>; flags: Set<string> } | string {
  const flags = new Set<string>();
  const declared = new Set((command.flags ?? []).map((f) => f.name.toLowerCase()));
  let first = 0;
  if (declared.size > 0) {
    for (; first < words.length && words[first]!.startsWith("--"); first++) {
      const name = words[first]!.slice(2).toLowerCase();
      if (name === "") {
        first++;
        break;
      }
      if (!declared.has(name)) return `Unknown option --${name}.`;
      flags.add(name);
    }
  }
  if (text !== "" && !command.text) return `!${command.name} takes nothing on the lines after its command.`;
  if (text === "" && command.text?.required) return `Missing ${command.text.name}: write it on the lines after the command.`;
  const specs = command.args ?? [];
  const values: Record<string, string> = {};
  for (const [i, spec] of specs.entries()) {
    const at = first + i;
    if (at >= words.length) {
      if (spec.required) return `Missing ${spec.name}.`;
      break;
    }
    // A rest argument is the line as typed, unless it is one (possibly quoted) word.
    values[spec.name] = spec.rest && at < words.length - 1 ? line.slice(offsets[at]).trim() : words[at]!;
    if (spec.rest) return { values, flags };
  }
  if (words.length - first > specs.length) return `Too many arguments (unexpected "${words[first + specs.length]}").`;
  return { values, flags };
}
