import { renderMatrixHtml } from "../src/platform/render/renderMatrixHtml.js";
import { renderWebHtml } from "../src/platform/render/renderWebHtml.js";
import { sanitizeProfileCss } from "../src/platform/render/sanitizeProfileCss.js";
import { HOSTILE_CSS, HOSTILE_MARKDOWN } from "../test/support/hostileInputs.js";

const mediaUrl = (mxc: string) => `/media/${mxc.slice("mxc://".length)}`;
const renderBoth = (markdown: string) => {
  renderWebHtml(markdown, { mediaUrl });
  renderMatrixHtml(markdown);
};

/** CPU time of this thread (of the process before Node 23.9), in ms: unlike wall time, not inflated by other processes. */
function cpuMs(): number {
  const { user, system } = typeof process.threadCpuUsage === "function" ? process.threadCpuUsage() : process.cpuUsage();
  return (user + system) / 1000;
}

/** Least CPU time of `rounds` runs, in ms: the least disturbed by GC. */
function fastest(rounds: number, fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const started = cpuMs();
    fn();
    best = Math.min(best, cpuMs() - started);
  }
  return best;
}

/** Plain prose of exactly `chars` characters: the baseline each hostile input is compared to. */
const prose = (chars: number) => "Some plain words in a paragraph, then more of them.\n\n".repeat(Math.ceil(chars / 53)).slice(0, chars);
const plainCss = (chars: number) => ".a { color: red; margin: 0 auto }\n".repeat(Math.ceil(chars / 34)).slice(0, chars);

export interface HostileRender {
  name: string;
  source: string;
  ms: number;
  /** CPU time against plain prose of the same length, rendered in the same run. */
  ratio: number;
}

/** Every hostile Markdown shape, rendered to web and Matrix HTML, worst first. */
export function measureHostileMarkdown(rounds = 2): HostileRender[] {
  const results = HOSTILE_MARKDOWN.map(([name, source]) => {
    const baseline = fastest(rounds + 1, () => renderBoth(prose(source.length)));
    const ms = fastest(rounds, () => renderBoth(source));
    return { name, source, ms, ratio: ms / Math.max(baseline, 0.1) };
  });
  return results.sort((a, b) => b.ratio - a.ratio);
}

/** Hostile Markdown and CSS, each as a ratio to benign input of the same length rendered in the same run. */
export async function benchRenderHostile(): Promise<string[]> {
  const results = measureHostileMarkdown();
  const lines = [`rendering ${results.length} hostile Markdown shapes at full length (web + Matrix HTML; CPU time, least of 2 runs), against plain prose of the same length`];
  for (const { name, source, ms, ratio } of results) {
    lines.push(`  ${name.padEnd(26)} ${String(source.length).padStart(7)} chars  ${ms.toFixed(0).padStart(6)} ms  ${ratio.toFixed(1).padStart(6)}x plain`);
  }
  const cssRatios = HOSTILE_CSS.map((css) => fastest(2, () => sanitizeProfileCss(css)) / Math.max(fastest(3, () => sanitizeProfileCss(plainCss(css.length))), 0.1));
  const median = results[Math.floor(results.length / 2)]!;
  const worst = results[0]!;
  lines.push(
    `  Markdown: median ${median.ratio.toFixed(1)}x plain, worst ${worst.ratio.toFixed(1)}x (${worst.name}, ${worst.ms.toFixed(0)} ms); ` +
      `profile CSS: worst ${Math.max(...cssRatios).toFixed(1)}x plain CSS of the same length`,
  );
  return lines;
}
