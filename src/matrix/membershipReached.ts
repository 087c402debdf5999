export type MembershipAction = "invite" | "join" | "leave" | "kick" | "ban" | "unban";

/**
 * Whether a member in `membership` (undefined: none) already is where `action` would put
 * them: a membership change retried after it took effect (or already true) is done, not failed.
 */
export function membershipReached(action: MembershipAction, membership: string | undefined): boolean {
  switch (action) {
    case "invite":
      return membership === "invite" || membership === "join";
    case "join":
      return membership === "join";
    case "leave":
    case "kick":
      return membership === undefined || membership === "leave" || membership === "ban";
    case "ban":
      return membership === "ban";
    case "unban":
      return membership !== "ban" && membership !== "unknown";
  }
}
