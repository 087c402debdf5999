import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { homeserverConfig, homeserverPaths } from "../e2e/harness/homeserverConfig.js";
import { synapseVenvDir } from "../e2e/harness/synapse.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

function readmeSnippet(): { experimental_features: Record<string, boolean> } {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Registering with a homeserver"));
  const match = /```yaml\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error("README: no homeserver.yaml snippet");
  const yaml = match[1]!.split("\n").map((line) => line.replace(/^ {3}/, "")).join("\n");
  return parse(yaml) as { experimental_features: Record<string, boolean> };
}

const harnessFlags = (): Record<string, unknown> =>
  homeserverConfig({ paths: homeserverPaths("/tmp/x"), serverName: "localhost", port: 8008, sharedSecret: "s", registrationPaths: [] })
    .experimental_features as Record<string, unknown>;

/** The pinned Synapse's own reader of `experimental_features`, when the e2e suite has installed it. */
function pinnedExperimentalReader(): string | undefined {
  const lib = path.join(synapseVenvDir(), "lib");
  if (!existsSync(lib)) return undefined;
  for (const python of readdirSync(lib)) {
    const file = path.join(lib, python, "site-packages", "synapse", "config", "experimental.py");
    if (existsSync(file)) return readFileSync(file, "utf8");
  }
  return undefined;
}

describe("README homeserver snippet", () => {
  it("lists exactly the experimental features the end-to-end homeserver runs with", () => {
    expect(readmeSnippet().experimental_features).toEqual(harnessFlags());
  });

  const reader = pinnedExperimentalReader();
  it.skipIf(reader === undefined)("names only features the pinned Synapse reads", () => {
    for (const flag of Object.keys(readmeSnippet().experimental_features)) {
      expect(reader, flag).toContain(`experimental.get(\n            "${flag}"`);
    }
  });
});
