import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { MIN_NODE, nodeVersionProblem } from "../../scripts/requireNode.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

/** A system Node.js besides the one running the tests (Debian's is 20), if any. */
function systemNode(): string | undefined {
  return ["/usr/bin/node", "/usr/local/bin/node"].find((candidate) => existsSync(candidate));
}

async function runWith(node: string, script: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(node, [script, ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("Node.js version guard", () => {
  it("names the version needed and how to get it, on one line, for anything older than 22.12", () => {
    for (const old of ["20.20.2", "v20.20.2", "22.11.9", "22.0.0", "18.19.1", "21.99.0"]) {
      const problem = nodeVersionProblem(old);
      expect(problem, old).toBeDefined();
      expect(problem).toContain("Node.js 22.12 or newer");
      expect(problem).toContain(old.replace(/^v/, ""));
      expect(problem).toContain(".nvmrc");
      expect(problem).not.toContain("\n");
    }
  });

  it("lets 22.12 and newer through", () => {
    for (const ok of ["22.12.0", "v22.12.0", "22.13.1", "23.0.0", "24.22.3", "100.0.0", process.versions.node]) {
      expect(nodeVersionProblem(ok), ok).toBeUndefined();
    }
  });

  it("agrees with package.json engines, .nvmrc and .node-version", () => {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { engines: { node: string }; scripts: Record<string, string> };
    expect(pkg.engines.node).toBe(`>=${MIN_NODE.replace(/\.0$/, "")}`);
    for (const file of [".nvmrc", ".node-version"]) {
      const pinned = readFileSync(path.join(root, file), "utf8").trim();
      expect(nodeVersionProblem(pinned.includes(".") ? pinned : `${pinned}.0.0`), file).toBeUndefined();
    }
    for (const script of ["test", "test:unit", "test:e2e"]) expect(pkg.scripts[script]).toMatch(/^node scripts\/requireNode\.mjs && /);
  });

  const old = systemNode();
  it.skipIf(old === undefined)("stops `npm test`'s preflight and the mirage command at once on an older Node.js", async () => {
    const { stdout: version } = await run(old!, ["--version"]);
    if (nodeVersionProblem(version.trim()) === undefined) return;
    for (const [script, args] of [["scripts/requireNode.mjs", []], ["bin/mirage.mjs", ["--version"]], ["bin/mirage.mjs", ["start"]]] as const) {
      const result = await runWith(old!, script, ...args);
      expect(result.code, script).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr.trim().split("\n")).toEqual([nodeVersionProblem(version.trim())]);
    }
  });

  it("lets the mirage command run on this Node.js", async () => {
    const result = await runWith(process.execPath, "scripts/requireNode.mjs");
    expect(result).toEqual({ code: 0, stdout: "", stderr: "" });
  });
});
