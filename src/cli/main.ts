#!/usr/bin/env node
import "./quietDependencyWarnings.js";
import { parseArgs } from "node:util";
import { cliCommands, reportCliError, VERSION, type CliCommand } from "./commands.js";

function commandHelp(command: CliCommand): string {
  const options = Object.entries(command.options).map(([name, o]) => `  --${name.padEnd(10)} ${o.description}`);
  return [`${command.summary}\n`, `usage: ${command.usage}`, "", "options:", ...options, `  --help       show this help`, ""].join("\n");
}

function mainHelp(): string {
  const lines = cliCommands.map((c) => `  ${c.name.padEnd(22)} ${c.summary}`);
  return [
    `Mirage ${VERSION}: a chat and blog platform inside Matrix.`,
    "",
    "usage: mirage [command] [options]",
    "",
    "commands:",
    ...lines,
    "",
    "Run `mirage <command> --help` for a command's options.",
    "",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [first] = argv;
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(mainHelp());
    return 0;
  }
  if (first === "--version" || first === "-v") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const named = first !== undefined && !first.startsWith("-");
  const command = cliCommands.find((c) => c.name === (named ? first : "start"));
  if (!command) {
    process.stderr.write(`mirage: unknown command "${first}"\n\n${mainHelp()}`);
    return 2;
  }
  const rest = named ? argv.slice(1) : argv;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`mirage ${command.name}: ${(error as Error).message}\n\n${commandHelp(command)}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  return command.run(values);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportCliError(error);
  },
);
