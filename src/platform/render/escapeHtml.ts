/** Escapes `& < > " '` so text is inert in HTML element content and quoted attribute values. */
export { escapeHtml } from "../commands/renderHelp.js";
