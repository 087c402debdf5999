import type { Permission } from "./Command.js";

/** Power level needed per room-scoped permission (Matrix's usual moderator / admin levels). */
export const POWER_LEVEL_FOR: Readonly<Record<Exclude<Permission, "bridgeAdmin">, number>> = {
  anyone: Number.NEGATIVE_INFINITY,
  moderator: 50,
  admin: 100,
};

export interface SenderStanding {
  /** The sender's power level in the room. */
  powerLevel: number;
  /** Listed in `permissions.admins`. */
  isBridgeAdmin: boolean;
}

/** The one place that decides whether a sender may run a command. Bridge admins may run anything. */
export function checkPermission(permission: Permission, standing: SenderStanding): boolean {
  if (standing.isBridgeAdmin) return true;
  if (permission === "bridgeAdmin") return false;
  return standing.powerLevel >= POWER_LEVEL_FOR[permission];
}
