import type { DomainEventBus } from "../events/DomainEvent.js";
import type { SyncHub } from "./SyncHub.js";

/** Feeds every domain event to the sync hub, addressed to its audience. Returns the unsubscribe. */
export function publishDomainEvents(bus: DomainEventBus, hub: SyncHub): () => void {
  return bus.subscribe(({ event, audience, at }) => {
    const roomId = "roomId" in event ? event.roomId : event.type.startsWith("reaction.") && "target" in event ? event.target.roomId : undefined;
    hub.publish(audience, { kind: event.type, ...(roomId !== undefined ? { roomId } : {}), data: { ...event, at: new Date(at).toISOString() } });
  });
}
