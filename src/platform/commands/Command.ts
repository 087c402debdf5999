/**
 * Who may run a command. Room power levels decide the first three; config decides `bridgeAdmin`;
 * `blogOwner` commands act on the sender's own blog, so they run only where that is unambiguous:
 * in a DM with the bot or in the sender's own blog room.
 */
export type Permission = "anyone" | "moderator" | "admin" | "bridgeAdmin" | "blogOwner";

export interface CommandArg {
  name: string;
  description: string;
  required?: boolean;
  /** Takes the rest of the line (must be the last argument). */
  rest?: boolean;
}

/** A `--name` switch, given before the command's arguments (`--` ends them). */
export interface CommandFlag {
  name: string;
  description: string;
}

/** Text a command takes on the lines after its command line (Markdown, kept as typed). */
export interface CommandText {
  name: string;
  description: string;
  /** Refused centrally when absent or blank. */
  required?: boolean;
}

/** What a running command can see and do. Replies are queued, sent after the command returns. */
export interface CommandContext {
  /** Matrix user ID of the person who ran the command. */
  sender: string;
  roomId: string;
  /** Event ID of the command message, for replies and reactions. */
  eventId: string;
  args: Readonly<Record<string, string>>;
  /** The declared flags that were given. */
  flags: ReadonlySet<string>;
  /** The lines after the command line, without leading blank lines and trailing whitespace; "" when none. */
  text: string;
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
  flags?: CommandFlag[];
  /** Without it, anything on the lines after the command line is refused. */
  text?: CommandText;
  permission: Permission;
  /** May throw a MirageError whose message is shown to the sender. */
  run(ctx: CommandContext): Promise<void> | void;
}
