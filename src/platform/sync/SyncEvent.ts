/**
 * One change a user should see, as delivered by `GET /api/v1/sync`. Published by the domain
 * service that made the change, after the change is durable, so a client that receives it can
 * read the new state. `data` is the change's public payload (what the HTTP API would return for
 * the resource); it must not carry secrets, since it is shared by every recipient as is.
 */
export interface SyncEvent {
  /**
   * What happened: the `type` of the DomainEvent it reports (`message.created`,
   * `reaction.removed`, `member.changed`, …) or a plugin's own `<noun>.<verb>`. Clients ignore
   * kinds they do not know.
   */
  kind: string;
  /** The room (chat room or blog) the change belongs to, when it belongs to one. */
  roomId?: string;
  data: unknown;
}
