import type { Permission } from "./Command.js";
import { permissionLabels } from "./CommandRegistry.js";

/** Power level needed per room-scoped permission (Matrix's usual moderator / admin levels). */
export const POWER_LEVEL_FOR: Readonly<Record<Exclude<Permission, "bridgeAdmin" | "blogOwner">, number>> = {
  anyone: Number.NEGATIVE_INFINITY,
  moderator: 50,
  admin: 100,
};

/** What a room is to the bridge, for commands that act only in some rooms. */
export type CommandPlace =
  /** A conversation of the sender with the bot alone. */
  | { kind: "dm" }
  /** A blog's room; `owner` is the blog owner's person ID. */
  | { kind: "blog"; owner: string }
  /** A chat portal: the Matrix room of a Mirage room. */
  | { kind: "portal" }
  /** Any other shared room. */
  | { kind: "room" };

export interface SenderStanding {
  /** The sender's Matrix user ID. */
  sender: string;
  /** The sender's power level in the room. */
  powerLevel: number;
  /** Listed in `permissions.admins`. */
  isBridgeAdmin: boolean;
  /** What the room is; needed for `blogOwner` commands (without it they are refused). */
  place?: CommandPlace;
}

/**
 * The one place that decides whether a sender may run a command: undefined when they may, else
 * the reason shown to them. Bridge admins may run anything except `blogOwner` commands elsewhere
 * than in a DM or their own blog room: those act on the sender's own blog, which another room would
 * only make look like someone else's.
 */
export function permissionRefusal(permission: Permission, standing: SenderStanding, commandName: string): string | undefined {
  if (permission === "blogOwner") return blogPlaceRefusal(standing);
  if (standing.isBridgeAdmin) return undefined;
  if (permission === "bridgeAdmin" || standing.powerLevel < POWER_LEVEL_FOR[permission]) {
    return `⛔ Only ${permissionLabels[permission]} may run !${commandName}.`;
  }
  return undefined;
}

/** Whether a sender may run a command ({@link permissionRefusal} without the reason). */
export function checkPermission(permission: Permission, standing: SenderStanding): boolean {
  return permissionRefusal(permission, standing, "") === undefined;
}

const whereToRun = "Blog commands act on your own blog: send them in a DM with me or in your own blog room";

function blogPlaceRefusal({ place, sender }: SenderStanding): string | undefined {
  switch (place?.kind) {
    case "dm":
      return undefined;
    case "blog":
      return place.owner === sender ? undefined : `⛔ This is someone else's blog room. ${whereToRun}.`;
    case "portal":
      return `⛔ ${whereToRun}, not in a chat portal.`;
    default:
      return `⛔ ${whereToRun}, not in a shared room.`;
  }
}
