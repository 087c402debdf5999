import type { Command } from "./Command.js";
import { permissionLabels, usage } from "./CommandRegistry.js";

/** Help text for the given commands, plain and HTML (every interpolated string escaped). */
export function renderHelp(commands: readonly Command[], title = "Mirage commands"): { text: string; html: string } {
  const lines = commands.map((c) => {
    const who = c.permission === "anyone" ? "" : ` (${permissionLabels[c.permission]})`;
    const aliases = c.aliases?.length ? ` — also ${c.aliases.map((a) => `!${a}`).join(", ")}` : "";
    return { usage: usage(c), rest: `${c.summary}${who}${aliases}` };
  });
  const text = [`${title}:`, ...lines.map((l) => `• ${l.usage} — ${l.rest}`)].join("\n");
  const html =
    `<p>${escapeHtml(title)}:</p><ul>` +
    lines.map((l) => `<li><code>${escapeHtml(l.usage)}</code> — ${escapeHtml(l.rest)}</li>`).join("") +
    "</ul>";
  return { text, html };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
