/** Who may run a command. Room power levels decide the first three; config decides the last. */
export type Permission = "anyone" | "moderator" | "admin" | "bridgeAdmin";

export interface CommandArg {
  name: string;
  description: string;
  required?: boolean;
  /** Takes the rest of the line (must be the last argument). */
  rest?: boolean;
}

/** What a running command can see and do. Replies are queued, sent after the command returns. */
export interface CommandContext {
  /** Matrix user ID of the person who ran the command. */
  sender: string;
  roomId: string;
  /** Event ID of the command message, for replies and reactions. */
  eventId: string;
  args: Readonly<Record<string, string>>;
  /** The command as invoked (name and prefix), for messages. */
  invocation: string;
  /** All registered commands, for help. */
  commands: readonly Command[];
  /** Queue a notice in the room; `html` must already be safe. */
  reply(text: string, html?: string): void;
  /** Milliseconds since the command message was sent, by the homeserver's clock. */
  ageMs(): number;
}

/** A bot command, as data: help and permission checks are derived centrally. */
export interface Command {
  /** Words after `!`, e.g. `mirage ping`; matched case-insensitively. */
  name: string;
  aliases?: string[];
  summary: string;
  args?: CommandArg[];
  permission: Permission;
  /** May throw a MirageError whose message is shown to the sender. */
  run(ctx: CommandContext): Promise<void> | void;
}
