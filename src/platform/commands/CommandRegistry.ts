import type { Command, CommandArg, Permission } from "./Command.js";

/** A command found for some words, and the words after its name. */
export interface CommandMatch {
  command: Command;
  /** The words that named the command, as typed. */
  invokedAs: string;
  /** Index of the first argument word. */
  argStart: number;
}

/** Holds the registered commands; names are matched longest-first and case-insensitively. */
export class CommandRegistry {
  private readonly byName = new Map<string, Command>();
  private readonly ordered: Command[] = [];

  register(command: Command): () => void {
    const names = [command.name, ...(command.aliases ?? [])].map(normalize);
    for (const name of names) {
      if (name === "") throw new Error("command name must not be empty");
      if (this.byName.has(name)) throw new Error(`command name "${name}" is already registered`);
    }
    validateArgs(command);
    for (const name of names) this.byName.set(name, command);
    this.ordered.push(command);
    return () => {
      for (const name of names) this.byName.delete(name);
      this.ordered.splice(this.ordered.indexOf(command), 1);
    };
  }

  all(): readonly Command[] {
    return this.ordered;
  }

  match(tokens: readonly string[]): CommandMatch | undefined {
    for (let n = tokens.length; n > 0; n--) {
      const name = normalize(tokens.slice(0, n).join(" "));
      const command = this.byName.get(name);
      if (command) return { command, invokedAs: tokens.slice(0, n).join(" "), argStart: n };
    }
    return undefined;
  }

  /** True when some command's name continues these words (`mirage` → `mirage ping`). */
  isNamespace(words: string): boolean {
    const w = normalize(words);
    for (const name of this.byName.keys()) if (name.startsWith(`${w} `)) return true;
    return false;
  }

  /** Commands in the namespace of `word`, for "did you mean" replies. */
  inNamespace(word: string): Command[] {
    const w = normalize(word);
    return this.ordered.filter((c) => normalize(c.name) === w || normalize(c.name).startsWith(`${w} `));
  }
}

export function usage(command: Command): string {
  const args = (command.args ?? []).map((a) => {
    const label = a.rest ? `${a.name}…` : a.name;
    return a.required ? `<${label}>` : `[${label}]`;
  });
  const flags = (command.flags ?? []).map((f) => `[--${f.name}]`);
  const text = command.text ? ` + ${command.text.required ? `<${command.text.name}>` : `[${command.text.name}]`} on the lines below` : "";
  return ["!" + command.name, ...flags, ...args].join(" ") + text;
}

export const permissionLabels: Record<Permission, string> = {
  anyone: "anyone",
  moderator: "room moderators",
  admin: "room admins",
  bridgeAdmin: "bridge admins",
  blogOwner: "on your own blog, in a DM with the bot or your blog room",
};

function normalize(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, " ");
}

function validateArgs(command: Command): void {
  const args: CommandArg[] = command.args ?? [];
  args.forEach((arg, i) => {
    if (arg.rest && i !== args.length - 1) throw new Error(`${command.name}: only the last argument may take the rest`);
    if (arg.required && i > 0 && !args[i - 1]!.required) {
      throw new Error(`${command.name}: required argument ${arg.name} follows an optional one`);
    }
  });
}
