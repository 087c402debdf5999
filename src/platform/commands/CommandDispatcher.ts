import { isMirageError } from "../errors/MirageError.js";
import type { Command, CommandContext } from "./Command.js";
import { CommandRegistry, permissionLabels, usage } from "./CommandRegistry.js";
import { checkPermission } from "./checkPermission.js";
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
      parsed = tokenizeCommand(body);
    } catch {
      parsed = undefined;
    }
    const first = parsed?.tokens[0];
    return first !== undefined && (this.registry.match([first]) !== undefined || this.registry.isNamespace(first));
  }

  async dispatch(message: IncomingCommandMessage): Promise<DispatchResult> {
    const replies: Reply[] = [];
    let parsed: ReturnType<typeof tokenizeCommand>;
    try {
      parsed = tokenizeCommand(message.body);
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
      const standing = {
        isBridgeAdmin: this.facts.isBridgeAdmin(message.sender),
        powerLevel: await this.facts.powerLevel(message.roomId, message.sender),
      };
      if (!checkPermission(command.permission, standing)) {
        return {
          kind: "rejected",
          reason: "permission",
          replies: [{ text: `⛔ Only ${permissionLabels[command.permission]} may run !${command.name}.` }],
        };
      }
    }

    const args = bindArgs(command, tokens.slice(match.argStart), offsets.slice(match.argStart), message.body);
    if (typeof args === "string") {
      return { kind: "rejected", reason: "usage", replies: [{ text: `⚠️ ${args}\nUsage: ${usage(command)}` }] };
    }

    const ctx: CommandContext = {
      sender: message.sender,
      roomId: message.roomId,
      eventId: message.eventId,
      args,
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

function bindArgs(
  command: Command,
  words: string[],
  offsets: number[],
  body: string,
): Record<string, string> | string {
  const specs = command.args ?? [];
  const out: Record<string, string> = {};
  for (const [i, spec] of specs.entries()) {
    if (i >= words.length) {
      if (spec.required) return `Missing ${spec.name}.`;
      break;
    }
    out[spec.name] = spec.rest ? body.slice(offsets[i]).trim() : words[i]!;
    if (spec.rest) return out;
  }
  if (words.length > specs.length) return `Too many arguments (unexpected "${words[specs.length]}").`;
  return out;
}
