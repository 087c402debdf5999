// marked recurses once per container level (`>`, list items), re-reading the rest of the line at
// each: work grows with the square of the markers on one line. Real text stays far below this.
const MAX_CONTAINER_MARKERS = 16;
const CONTAINER_PREFIX = /^(?:[ \t]*(?:>|[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)))+/;
// `* * * * …` and `- - - …` are thematic breaks, however long.
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;

// marked's table rule (also inside its paragraph rule) scans, for every line followed by something
// shaped like a table delimiter row, all following lines of the block: quadratic on blocks made of
// such lines. This bounds delimiter-like lines × block length, a generous overestimate of that work.
const TABLE_SCAN_BUDGET = 30_000_000;
const DELIMITER_ROW = /^\|? *:?-+:? *(?:\| *:?-+:? *)*\|? *$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const QUOTE_MARKERS = /^(?:[ \t]*>)*[ \t]*/;

/**
 * True when marked would take too long or recurse too deep on `text`; such input is rendered as
 * plain text instead. Linear time; looks only at line shapes, never at what is written.
 */
export function exceedsMarkedLimits(text: string): boolean {
  let cost = 0;
  let blockChars = 0;
  let delimiterRows = 0;
  let fence = "";
  const endBlock = () => {
    cost += blockChars * delimiterRows;
    blockChars = 0;
    delimiterRows = 0;
  };
  for (const line of text.split("\n")) {
    const container = THEMATIC_BREAK.test(line) ? "" : (CONTAINER_PREFIX.exec(line)?.[0] ?? "");
    let markers = 0;
    for (const ch of container) if (ch === ">" || ch === "-" || ch === "+" || ch === "*" || ch === "." || ch === ")") markers++;
    if (markers > MAX_CONTAINER_MARKERS) return true;

    const content = line.slice(QUOTE_MARKERS.exec(line)?.[0].length ?? 0);
    const opener = FENCE.exec(line)?.[1];
    if (fence !== "") {
      if (opener !== undefined && opener[0] === fence[0] && opener.length >= fence.length) fence = "";
      continue;
    }
    if (opener !== undefined) {
      endBlock();
      fence = opener;
      continue;
    }
    if (content === "") {
      endBlock();
      continue;
    }
    blockChars += line.length + 1;
    if (DELIMITER_ROW.test(content)) delimiterRows++;
    if (cost + blockChars * delimiterRows > TABLE_SCAN_BUDGET) return true;
  }
  endBlock();
  return cost > TABLE_SCAN_BUDGET;
}
