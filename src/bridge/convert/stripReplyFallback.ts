export { stripReplyFallback } from "../../matrix/stripReplyFallback.js";
