// How far back an opener's delimiter run is looked at (CommonMark rules 9-10 count the run), and
// the characters before it that its flanking check reads.
const LOOKBEHIND = 64;
const BEFORE_RUN = 2;
// An opener first looks for its closer up to the next delimiter run that could close it, then up
// to this many; real text closes within a few. Never further than MAX_WINDOW characters ahead.
const MAX_CLOSERS = 8;
const MAX_WINDOW = 16_384;
// Characters after a closing run that its flanking check reads (a surrogate pair at most).
const SLACK = 2;
// Total characters all openers of one document may scan: a fixed part plus a multiple of its length.
const BUDGET_BASE = 100_000;
const BUDGET_PER_CHAR = 32;

type Delimiter = "*" | "_" | "~";

/** Starts and ends of the delimiter runs that could close emphasis (`*`, `_`) or strikethrough (`~`). */
interface CloserRuns {
  starts: Record<Delimiter, number[]>;
  ends: Record<Delimiter, number[]>;
}

/**
 * marked finds the closer of each emphasis (`*`, `_`) and strikethrough (`~`) opener by scanning
 * everything up to the last delimiter that might close it: quadratic on text made of openers
 * (`a+_a+_…`, `~~a*~~a*…`). This hands marked's own rule a window instead, aligned with the text
 * as marked expects (same offsets from the window's end), ending just after the next closer
 * candidate, or after `MAX_CLOSERS` of them; within it marked decides exactly as it would on the
 * whole text. A per-document budget proportional to its length caps the total scanned; past it,
 * delimiters stay literal. One instance per document.
 */
export class DelimiterWindows {
  private budget: number;
  private readonly runs = new Map<string, CloserRuns>();
  /** Characters handed to marked's closer searches so far: the work this bounds. */
  scanned = 0;

  constructor(documentChars: number) {
    this.budget = BUDGET_BASE + BUDGET_PER_CHAR * documentChars;
  }

  /** Runs `tokenize` (marked's emStrong or del) for the opener at the start of `src`, windowed. */
  run<T>(src: string, maskedSrc: string, tokenize: (src: string, maskedSrc: string) => T | undefined): T | undefined {
    const delimiter = src[0];
    if (delimiter !== "*" && delimiter !== "_" && delimiter !== "~") return undefined;
    const srcStart = maskedSrc.length - src.length;
    const { starts, ends } = this.closerRuns(maskedSrc);
    const first = firstAfter(starts[delimiter], srcStart);
    const count = starts[delimiter].length;
    // No candidate ahead: marked answers at once from its own cached scan.
    if (first === count) return tokenize(src, maskedSrc);
    let runStart = srcStart;
    while (runStart > 0 && srcStart - runStart < LOOKBEHIND && maskedSrc[runStart - 1] === delimiter) runStart--;
    const from = Math.max(0, runStart - BEFORE_RUN);
    for (const reach of [1, MAX_CLOSERS]) {
      const last = Math.min(first + reach, count) - 1;
      const end = Math.min(maskedSrc.length, ends[delimiter][last]! + SLACK, srcStart + MAX_WINDOW);
      if (this.budget < end - from) return undefined;
      this.budget -= end - from;
      this.scanned += end - from;
      const token = tokenize(src.slice(0, end - srcStart), maskedSrc.slice(from, end));
      if (token !== undefined || last === count - 1 || end === srcStart + MAX_WINDOW) return token;
    }
    return undefined;
  }

  private closerRuns(maskedSrc: string): CloserRuns {
    let found = this.runs.get(maskedSrc);
    if (found === undefined) {
      if (this.runs.size >= 32) this.runs.clear();
      found = scanCloserRuns(maskedSrc);
      this.runs.set(maskedSrc, found);
    }
    return found;
  }
}

/** Like marked's own scan: a run may close unless whitespace (or nothing) precedes it. */
function scanCloserRuns(text: string): CloserRuns {
  const runs: CloserRuns = { starts: { "*": [], _: [], "~": [] }, ends: { "*": [], _: [], "~": [] } };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== "*" && ch !== "_" && ch !== "~") continue;
    let j = i + 1;
    while (j < text.length && text[j] === ch) j++;
    const prev = i === 0 ? "\n" : text[i - 1];
    if (prev !== " " && prev !== "\t" && prev !== "\n" && prev !== "\r" && prev !== "\f") {
      runs.starts[ch].push(i);
      runs.ends[ch].push(j);
    }
    i = j - 1;
  }
  return runs;
}

/** Index of the first element of the ascending `sorted` greater than `value` (length if none). */
function firstAfter(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
