import type { FastifyInstance } from "fastify";

/** Every operation in the API's OpenAPI document, as `METHOD /path/{param}` with its tags. */
export async function openApiOperations(app: FastifyInstance): Promise<Array<{ route: string; tags: string[] }>> {
  const spec = (await app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json() as {
    paths: Record<string, Record<string, { tags?: string[] }>>;
  };
  return Object.entries(spec.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, tags: operation.tags ?? [] })),
  );
}

/**
 * Records which routes answered, spelled as OpenAPI spells them (`:id` → `{id}`), so a test
 * can prove it reached every route. Call before the app's first request.
 */
export function recordRoutes(app: FastifyInstance): Set<string> {
  const seen = new Set<string>();
  app.addHook("onResponse", async (request) => {
    const url = request.routeOptions.url;
    if (url !== undefined) seen.add(`${request.method} ${url.replace(/:(\w+)/g, "{$1}")}`);
  });
  return seen;
}

/** Which fuzz test drives which OpenAPI tags; together they must cover every tag. */
export const FUZZ_TAGS = { core: ["accounts", "profiles", "chat", "sync", "operations"], blogs: ["blogs", "reactions"] } as const;
