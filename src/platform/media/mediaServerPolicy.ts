/**
 * Which servers' media Mirage serves to web readers: the homeserver's own, plus those listed
 * (`*`: any). Serving remote media makes the homeserver fetch it over federation on an
 * anonymous reader's request, so it is opt-in.
 */
export function mediaServerPolicy(homeserverDomain: string, extra: readonly string[]): (server: string) => boolean {
  if (extra.includes("*")) return () => true;
  const allowed = new Set([homeserverDomain, ...extra].map((name) => name.toLowerCase()));
  return (server) => allowed.has(server.toLowerCase());
}
