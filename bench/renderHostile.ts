import { performance } from "node:perf_hooks";
import { renderMatrixHtml } from "../src/platform/render/renderMatrixHtml.js";
import { renderWebHtml } from "../src/platform/render/renderWebHtml.js";
import { sanitizeProfileCss } from "../src/platform/render/sanitizeProfileCss.js";
import { HOSTILE_CSS, HOSTILE_MARKDOWN } from "../test/support/hostileInputs.js";

const mediaUrl = (mxc: string) => `/media/${mxc.slice("mxc://".length)}`;
const renderBoth = (markdown: string) => {
  renderWebHtml(markdown, { mediaUrl });
  renderMatrixHtml(markdown);
};

/** Fastest of `rounds` runs, in ms: the least disturbed by GC and the other core's work. */
function fastest(rounds: number, fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    fn();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/** Plain prose of exactly `chars` characters: the baseline each hostile input is compared to. */
const prose = (chars: number) => "Some plain words in a paragraph, then more of them.\n\n".repeat(Math.ceil(chars / 53)).slice(0, chars);
const plainCss = (chars: number) => ".a { color: red; margin: 0 auto }\n".repeat(Math.ceil(chars / 34)).slice(0, chars);

/** Hostile Markdown and CSS, each as a ratio to benign input of the same length rendered in the same run. */
export async function benchRenderHostile(): Promise<string[]> {
  const lines = ["rendering hostile input (web + Matrix HTML; fastest of 2 runs), against plain text of the same length"];
  const ratios: number[] = [];
  for (const [name, source] of HOSTILE_MARKDOWN) {
    const baseline = fastest(3, () => renderBoth(prose(source.length)));
    const hostile = fastest(2, () => renderBoth(source));
    ratios.push(hostile / baseline);
    lines.push(`  ${name.padEnd(26)} ${String(source.length).padStart(7)} chars  ${hostile.toFixed(0).padStart(6)} ms  ${(hostile / baseline).toFixed(1).padStart(6)}x plain`);
  }
  const cssRatios = HOSTILE_CSS.map((css) => fastest(2, () => sanitizeProfileCss(css)) / fastest(3, () => sanitizeProfileCss(plainCss(css.length))));
  ratios.sort((a, b) => a - b);
  lines.push(
    `  Markdown: median ${ratios[Math.floor(ratios.length / 2)]!.toFixed(1)}x plain, worst ${ratios.at(-1)!.toFixed(1)}x; ` +
      `profile CSS: worst ${Math.max(...cssRatios).toFixed(1)}x plain CSS of the same length`,
  );
  return lines;
}
