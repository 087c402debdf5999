import { BridgeInfoStateSyncer, type Bridge, type MappingInfo } from "matrix-appservice-bridge";
import type { StateOperation } from "../platform/outbox/outboxOperationSchema.js";

/** The MSC2346 bridge identity Mirage announces in the rooms it manages. */
export const BRIDGE_PROTOCOL = { id: "mirage", displayname: "Mirage" } as const;
const BRIDGE_NAME = "org.mirage.bridge";
export const BRIDGE_INFO_EVENT_TYPES = ["m.bridge", BridgeInfoStateSyncer.EventType] as const;

export interface BridgedChannel {
  /** Stable id of the Mirage room or blog. */
  id: string;
  displayname?: string;
  /** Web page of the room or blog. */
  externalUrl?: string;
}

/**
 * State events (`m.bridge` and the older `uk.half-shot.bridge`, same content) describing
 * a managed room; content and state key follow matrix-appservice-bridge's syncer.
 */
export function bridgeInfoState(botUserId: string, roomId: string, channel: BridgedChannel, creator?: string): StateOperation[] {
  const syncer = new BridgeInfoStateSyncer({ botUserId } as unknown as Bridge, {
    bridgeName: BRIDGE_NAME,
    getMapping: async () => mapping,
  });
  const mapping: MappingInfo = {
    protocol: { ...BRIDGE_PROTOCOL },
    channel: {
      id: channel.id,
      ...(channel.displayname ? { displayname: channel.displayname } : {}),
      ...(channel.externalUrl ? { external_url: channel.externalUrl } : {}),
    },
    ...(creator ? { creator } : {}),
  };
  const stateKey = syncer.createStateKey(mapping);
  const content = syncer.createBridgeInfoContent(mapping) as unknown as Record<string, unknown>;
  return BRIDGE_INFO_EVENT_TYPES.map((eventType) => ({ op: "state" as const, sender: botUserId, roomId, eventType, stateKey, content }));
}
