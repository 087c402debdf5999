import FindMyWay from "find-my-way";

type Method = FindMyWay.HTTPMethod;

/**
 * Which methods a listener's routes answer on a concrete path, so that a request with another
 * method on a known path is answered 405 with `Allow` rather than 404. Fed from `onRoute`;
 * catch-all routes (`*`) do not make every path known.
 */
export class AllowedMethods {
  private readonly router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;
  private readonly methods = new Set<Method>();

  constructor(options: { maxParamLength?: number } = {}) {
    this.router = FindMyWay({ maxParamLength: options.maxParamLength ?? 100 });
  }

  add(method: string | readonly string[], url: string): void {
    if (url.includes("*")) return;
    for (const m of typeof method === "string" ? [method] : method) {
      const upper = m.toUpperCase() as Method;
      if (this.router.hasRoute(upper, url)) continue;
      this.router.on(upper, url, () => undefined);
      this.methods.add(upper);
    }
  }

  /** The methods routed for `path` (without its query), in a stable order; empty for an unknown path. */
  for(path: string): Method[] {
    return [...this.methods].filter((method) => this.router.find(method, path) !== null).sort();
  }
}
