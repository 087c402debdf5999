import { Parser } from "htmlparser2";
import { escapeHtml } from "../../platform/render/escapeHtml.js";
import { ROOM_MENTION, scanMentions } from "./scanMentions.js";

// Text in these is code or already a link: never a pill.
const NO_PILLS = new Set(["code", "pre", "a"]);

/**
 * `html` (a rendered `formatted_body`) with each mention of a handle in `userIdByHandle` (keys as
 * `findMentions` spells them) turned into a user pill, `<a href="https://matrix.to/#/<userId>">@name</a>`
 * keeping the text as written. Only text nodes change, and not inside `code`, `pre` or `a`;
 * everything else is kept byte for byte. `@room` never becomes a pill.
 */
export function pillifyMentions(html: string, userIdByHandle: ReadonlyMap<string, string>): string {
  if (userIdByHandle.size === 0 || !html.includes("@")) return html;
  const edits: { start: number; end: number; userId: string }[] = [];
  let insideNoPills = 0;
  const parser: Parser = new Parser(
    {
      onopentag(name) {
        if (NO_PILLS.has(name)) insideNoPills++;
      },
      onclosetag(name) {
        if (NO_PILLS.has(name) && insideNoPills > 0) insideNoPills--;
      },
      ontext(text) {
        if (insideNoPills > 0) return;
        const offset = parser.startIndex;
        scanMentions(text, (start, end, handle) => {
          const userId = handle === ROOM_MENTION ? undefined : userIdByHandle.get(handle);
          if (userId !== undefined) edits.push({ start: offset + start, end: offset + end, userId });
        });
      },
    },
    { decodeEntities: false, lowerCaseTags: true },
  );
  parser.end(html);
  let out = "";
  let last = 0;
  for (const { start, end, userId } of edits) {
    out += `${html.slice(last, start)}<a href="https://matrix.to/#/${escapeHtml(userId)}">${html.slice(start, end)}</a>`;
    last = end;
  }
  return out + html.slice(last);
}
