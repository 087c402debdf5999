// Plain JavaScript on purpose: it must run on any Node.js, before anything that needs a newer one.
import { pathToFileURL } from "node:url";

/** The oldest Node.js Mirage runs on (vitest and sanitize-html need 22.12). Keep `engines` in package.json equal. */
export const MIN_NODE = "22.12.0";

/**
 * @param {string} version a Node.js version such as "20.20.2" or "v22.12.0"
 * @returns {string | undefined} one line saying what is needed, or undefined when `version` is new enough
 */
export function nodeVersionProblem(version, minimum = MIN_NODE) {
  const have = version.replace(/^v/, "").split(".").map(Number);
  const need = minimum.split(".").map(Number);
  for (let i = 0; i < need.length; i++) {
    const a = have[i] || 0;
    const b = need[i] || 0;
    if (a > b) return undefined;
    if (a < b) {
      return (
        `Mirage needs Node.js ${minimum.replace(/\.0$/, "")} or newer; this is Node.js ${version.replace(/^v/, "")}. ` +
        "Install a newer one (`nvm install` or `fnm use` read .nvmrc / .node-version; or https://nodejs.org/) and run again."
      );
    }
  }
  return undefined;
}

/** Stops the process at once, with one line on stderr, when this Node.js is too old. */
export function requireNode() {
  const problem = nodeVersionProblem(process.versions.node);
  if (problem === undefined) return;
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}

// Run directly (`node scripts/requireNode.mjs`, as `npm test` does first): check and stop if too old.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) requireNode();
