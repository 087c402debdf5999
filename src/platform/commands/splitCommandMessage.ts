/**
 * A command message as its command line (the first non-blank line, which names the command and
 * holds its arguments) and the text on the lines after it, kept as typed (Markdown) except for
 * leading blank lines and trailing whitespace.
 */
export function splitCommandMessage(body: string): { line: string; text: string } {
  const start = body.search(/\S/);
  if (start < 0) return { line: "", text: "" };
  const rest = body.slice(start);
  const end = rest.search(/\r?\n/);
  if (end < 0) return { line: rest.trimEnd(), text: "" };
  return {
    line: rest.slice(0, end).trimEnd(),
    text: rest
      .slice(end)
      .replace(/^(?:[ \t]*\r?\n)+/, "")
      .trimEnd(),
  };
}
