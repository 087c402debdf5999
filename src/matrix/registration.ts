import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile, rename } from "node:fs/promises";
import path from "node:path";
import { AppServiceRegistration } from "matrix-appservice-bridge";
import { parse, stringify } from "yaml";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import { people } from "../platform/people/people.js";
import type { GhostAccounts } from "../platform/ports/GhostAccounts.js";

/** The appservice registration as the homeserver reads it. */
export interface Registration {
  id: string;
  url: string | null;
  as_token: string;
  hs_token: string;
  sender_localpart: string;
  namespaces: {
    users: NamespaceEntry[];
    aliases: NamespaceEntry[];
    rooms: NamespaceEntry[];
  };
  rate_limited: boolean;
  receive_ephemeral: boolean;
  "de.sorunome.msc2409.push_ephemeral": boolean;
  "org.matrix.msc3202": boolean;
}

export interface NamespaceEntry {
  exclusive: boolean;
  regex: string;
}

/** Ghost users are `@mirage_<name>`, portal aliases `#mirage_<room>`. */
export const GHOST_PREFIX = "mirage_";
export const BOT_LOCALPART = "mirage";

/** The platform's port from a ghost's Matrix ID (in the users namespace below) to its account. */
export const ghostAccounts = (domain: string): GhostAccounts => people.ghostAccounts(GHOST_PREFIX, domain);
/** Tokens in the committed sample start with this; Mirage refuses to run with them. */
export const PLACEHOLDER_TOKEN_PREFIX = "CHANGE_ME";

export interface BuildRegistrationOptions {
  url: string;
  domain: string;
  id?: string;
  /** For the committed sample only: placeholder tokens instead of fresh random ones. */
  placeholderTokens?: boolean;
}

/** A registration with fresh random tokens and Mirage's exclusive namespaces. */
export function buildRegistration(options: BuildRegistrationOptions): Registration {
  const reg = new AppServiceRegistration(options.url);
  reg.setId(options.id ?? "mirage");
  if (options.placeholderTokens) {
    reg.setHomeserverToken(`${PLACEHOLDER_TOKEN_PREFIX}_hs_token_run_mirage_generate-registration`);
    reg.setAppServiceToken(`${PLACEHOLDER_TOKEN_PREFIX}_as_token_run_mirage_generate-registration`);
  } else {
    // 256 bits each; the library's own generator gives less.
    reg.setHomeserverToken(randomBytes(32).toString("hex"));
    reg.setAppServiceToken(randomBytes(32).toString("hex"));
  }
  reg.setSenderLocalpart(BOT_LOCALPART);
  const domain = escapeRegex(options.domain);
  reg.addRegexPattern("users", `@${GHOST_PREFIX}.*:${domain}`, true);
  reg.addRegexPattern("aliases", `#${GHOST_PREFIX}.*:${domain}`, true);
  reg.setRateLimited(false);
  reg.pushEphemeral = true;
  const out = reg.getOutput();
  return {
    id: out.id,
    url: out.url ?? null,
    as_token: out.as_token,
    hs_token: out.hs_token,
    sender_localpart: out.sender_localpart,
    namespaces: {
      users: out.namespaces?.users ?? [],
      aliases: out.namespaces?.aliases ?? [],
      rooms: [],
    },
    rate_limited: false,
    receive_ephemeral: true,
    "de.sorunome.msc2409.push_ephemeral": true,
    "org.matrix.msc3202": true,
  };
}

export function registrationToYaml(reg: Registration, header?: string): string {
  const body = stringify(reg, { lineWidth: 0 });
  return header ? `${header.trimEnd()}\n${body}` : body;
}

/** Writes atomically with owner-only permissions: the file holds both tokens. */
export async function writeRegistration(file: string, reg: Registration, header?: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, registrationToYaml(reg, header), { mode: 0o600 });
  await rename(tmp, file);
}

/** Reads and checks a registration file; throws a MirageError naming the problem. */
export async function readRegistration(file: string): Promise<Registration> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw new MirageError(
      ErrorCodes.invalidConfig,
      missing ? `registration file ${file} not found` : `registration file ${file} cannot be read`,
      { cause: error },
    );
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new MirageError(ErrorCodes.invalidConfig, `registration file ${file} is not valid YAML`, { cause: error });
  }
  const reg = doc as Partial<Registration> | null;
  const problems: string[] = [];
  for (const key of ["id", "as_token", "hs_token", "sender_localpart"] as const) {
    if (typeof reg?.[key] !== "string" || reg[key] === "") problems.push(`${key}: must be a non-empty string`);
  }
  if (reg && typeof reg.namespaces !== "object") problems.push("namespaces: must be a mapping");
  if (problems.length > 0) {
    throw new MirageError(ErrorCodes.invalidConfig, `registration file ${file}:\n  ${problems.join("\n  ")}`);
  }
  const checked = reg as Registration;
  if (checked.as_token.startsWith(PLACEHOLDER_TOKEN_PREFIX) || checked.hs_token.startsWith(PLACEHOLDER_TOKEN_PREFIX)) {
    throw new MirageError(
      ErrorCodes.invalidConfig,
      `registration file ${file} holds the sample's placeholder tokens; make a real one with \`mirage generate-registration\``,
    );
  }
  return checked;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
