import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const DOCS = ["README.md", "docs/architecture.md", "plugins/README.md"];

/** Local files a Markdown document points at: link targets, and `code spans` naming a repository path (or one outside it). */
function localReferences(file: string): string[] {
  const text = readFileSync(path.join(root, file), "utf8");
  const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith("#"));
  const spans = [...text.matchAll(/`((?:\.\.\/|(?:src|test|bench|docs|packages|plugins|scripts|bin)\/)[\w./-]*)`/g)].map((m) => m[1]!);
  return [...links, ...spans].map((target) => target.split("#")[0]!);
}

describe("documentation stands alone", () => {
  it("points only at files inside the repository that exist", () => {
    const broken: string[] = [];
    for (const doc of DOCS) {
      for (const target of localReferences(doc)) {
        const resolved = path.resolve(root, path.dirname(doc), target);
        const inside = resolved.startsWith(root);
        const exists = existsSync(resolved) || existsSync(path.resolve(root, target));
        if (!inside || !exists) broken.push(`${doc}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("links the architecture document from the README", () => {
    expect(readFileSync(path.join(root, "README.md"), "utf8")).toContain("](docs/architecture.md)");
  });
});
