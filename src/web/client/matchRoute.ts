export interface RoutePattern {
  /** `/app/...` with `:name` segments (one segment each, percent-decoded). */
  path: string;
}

/** The first route whose pattern fits the path, with its parameters; `/app` counts as `/app/`. */
export function matchRoute<R extends RoutePattern>(table: readonly R[], pathname: string): { route: R; params: Record<string, string> } | undefined {
  const path = pathname === "/app" ? "/app/" : pathname;
  for (const route of table) {
    const want = route.path.split("/");
    const got = path.split("/");
    if (want.length !== got.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < want.length && ok; i++) {
      const segment = want[i]!;
      if (segment.startsWith(":")) {
        try {
          params[segment.slice(1)] = decodeURIComponent(got[i]!);
        } catch {
          ok = false;
        }
        ok &&= got[i] !== "";
      } else ok = segment === got[i];
    }
    if (ok) return { route, params };
  }
  return undefined;
}
