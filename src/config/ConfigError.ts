import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";

/** One problem in a configuration: `path` is dotted (`homeserver.url`), or the file itself. */
export interface ConfigIssue {
  path: string;
  problem: string;
}

/** A configuration that cannot be used; `issues` lists every problem found, not just the first. */
export class ConfigError extends MirageError {
  readonly issues: readonly ConfigIssue[];

  constructor(source: string, issues: ConfigIssue[]) {
    super(ErrorCodes.invalidConfig, `${source}: ${issues.length} problem(s)\n${formatIssues(issues)}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `  ${i.path}: ${i.problem}`).join("\n");
}
