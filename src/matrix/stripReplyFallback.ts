/**
 * `body` without a rich-reply fallback: the leading lines that start with `> ` (or are just `>`)
 * and the blank line after them. Clients sent these before spec v1.13 removed them; only call this
 * for an event that is a reply (its `m.relates_to` has `m.in_reply_to`), where a leading quote is
 * the fallback and not the message.
 */
export function stripReplyFallback(body: string): string {
  const lines = body.split("\n");
  let index = 0;
  while (index < lines.length && (lines[index]!.startsWith("> ") || lines[index] === ">")) index++;
  if (index === 0) return body;
  if (lines[index] === "") index++;
  return lines.slice(index).join("\n");
}
