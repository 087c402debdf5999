/** The namespaced content field naming the Mirage comment an event stands for. */
export const COMMENT_FIELD = "org.mirage.comment";

/**
 * The Matrix content of a web comment (without relations: the outbox makes it a thread reply
 * from platform references): the Markdown source as `body`, the HTML already rendered under the
 * Matrix allowlist as `formatted_body`, the comment and its post in `org.mirage.comment`, and
 * `m.mentions` naming whom it answers (the parent comment's author, when it is a reply to someone).
 */
export function commentToMatrix(
  comment: { id: string; postId: string; body: string },
  matrixHtml: string,
  repliesTo?: string,
): Record<string, unknown> {
  return {
    msgtype: "m.text",
    body: comment.body,
    format: "org.matrix.custom.html",
    formatted_body: matrixHtml,
    [COMMENT_FIELD]: { id: comment.id, post: comment.postId },
    "m.mentions": repliesTo === undefined ? {} : { user_ids: [repliesTo] },
  };
}
