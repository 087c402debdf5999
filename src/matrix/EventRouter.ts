import { commandBody } from "./commandBody.js";
import type { EffectSink, EventHandler } from "./EventHandler.js";
import type { RoomEvent } from "./matrixEvent.js";

/** Where events of bridged rooms (chat portals, blog rooms) go: the bridge, and how it recognizes its rooms. */
export interface PortalRoute {
  /** Resolves truthy when `roomId` is one of the bridge's rooms. */
  portalOf(roomId: string): Promise<unknown>;
  handler: EventHandler;
}

export interface EventRouterDeps {
  botUserId: string;
  /** Whether a Matrix user ID is one of Mirage's own (the bot or a ghost). */
  isOwnUser(userId: string): boolean;
  /** Whether a message body is addressed to a registered bot command. */
  isCommand(body: string): boolean;
  bot: EventHandler;
  /** Attached by the bridge before start; without it every room is the bot's. */
  portal?: PortalRoute;
  /**
   * Told of each join or profile change a Matrix user (not Mirage's own) makes in any room, before
   * the event is routed; must not block (its result is not awaited) and its failure is ignored.
   */
  onMemberProfile?: (userId: string, content: Record<string, unknown>, at: number) => void;
}

/** Told about each room event once its handler finished with it; must not throw or wait. */
export type EventObserver = (event: RoomEvent, fromOwnUser: boolean) => void;

/**
 * Sends each room event to exactly one handler: the bot's own invites to the bot; anything sent
 * by Mirage's own users (the bot, ghosts) nowhere (it is an echo); commands to the bot; events in
 * portal rooms to the bridge; the rest to the bot.
 */
export class EventRouter implements EventHandler {
  private readonly observers = new Set<EventObserver>();

  constructor(private readonly deps: EventRouterDeps) {}

  /** Observers (plugins) see every event after its exclusive handler succeeded; never before, never instead. */
  observe(observer: EventObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  attachPortals(portal: PortalRoute): void {
    this.deps.portal = portal;
  }

  async handle(event: RoomEvent, effects: EffectSink): Promise<void> {
    await this.route(event, effects);
    if (this.observers.size === 0) return;
    const own = this.deps.isOwnUser(event.sender);
    for (const observer of this.observers) {
      try {
        observer(event, own);
      } catch {
        // An observer's failure is its own; the event was handled.
      }
    }
  }

  private async route(event: RoomEvent, effects: EffectSink): Promise<void> {
    const { deps } = this;
    if (event.type === "m.room.member") this.noteMemberProfile(event);
    if (event.type === "m.room.member" && event.stateKey === deps.botUserId) return deps.bot.handle(event, effects);
    if (deps.isOwnUser(event.sender)) return;
    const body = commandBody(event.type, event.content);
    if (body !== undefined && deps.isCommand(body)) return deps.bot.handle(event, effects);
    if (deps.portal && (await deps.portal.portalOf(event.roomId))) return deps.portal.handler.handle(event, effects);
    return deps.bot.handle(event, effects);
  }

  /** Only a user's own join carries their profile: an invite or a kick is written by someone else. */
  private noteMemberProfile(event: RoomEvent): void {
    const { deps } = this;
    if (!deps.onMemberProfile || event.stateKey !== event.sender || event.content.membership !== "join" || deps.isOwnUser(event.sender)) return;
    try {
      deps.onMemberProfile(event.sender, event.content, event.originServerTs);
    } catch {
      // A profile is a nicety: the event is handled regardless.
    }
  }
}
