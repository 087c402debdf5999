import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";
import { build } from "esbuild";
import type { FastifyInstance } from "fastify";
import { ErrorCodes } from "../platform/errors/MirageError.js";

/** What pages ask for by name; each maps to one source file bundled at start. */
export type AssetName = "pages.js" | "pages.css" | "app.js" | "app.css";

const ENTRIES: Record<AssetName, string> = {
  "pages.js": "src/web/client/pages.ts",
  "app.js": "src/web/client/app.ts",
  "pages.css": "src/web/styles/pages.css",
  "app.css": "src/web/styles/app.css",
};

const TYPES: Record<string, string> = { js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" };

interface Asset {
  body: Buffer;
  gzip: Buffer;
  brotli: Buffer;
  type: string;
  etag: string;
}

/**
 * The source tree holding `src/web/client`: the checkout itself, whether this module runs from
 * `src/` (tsx) or from `dist/src/` (built), since the client is bundled from its TypeScript sources.
 */
function sourceRoot(): string {
  for (const up of ["../../", "../../../"]) {
    const root = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(`${root}${ENTRIES["app.js"]}`)) return root;
  }
  throw new Error("web client sources not found beside Mirage (src/web/client)");
}

/**
 * The client scripts and stylesheets, bundled once at start (esbuild) and held in memory with
 * their compressed forms. Each is served under a name carrying its content hash, so browsers may
 * keep it for a year; a new build gets new names.
 */
export class WebAssets {
  private constructor(
    private readonly byFile: ReadonlyMap<string, Asset>,
    private readonly urls: Readonly<Record<AssetName, string>>,
  ) {}

  private static built: Promise<WebAssets> | undefined;

  /** The process's one build: sources do not change while it runs. */
  static build(): Promise<WebAssets> {
    WebAssets.built ??= WebAssets.bundle();
    WebAssets.built.catch(() => (WebAssets.built = undefined));
    return WebAssets.built;
  }

  private static async bundle(): Promise<WebAssets> {
    const root = sourceRoot();
    const byFile = new Map<string, Asset>();
    const urls = {} as Record<AssetName, string>;
    await Promise.all(
      (Object.entries(ENTRIES) as [AssetName, string][]).map(async ([name, entry]) => {
        const result = await build({
          absWorkingDir: root,
          entryPoints: [entry],
          bundle: true,
          format: "esm",
          target: ["es2022", "chrome110", "firefox110", "safari16"],
          minify: true,
          legalComments: "none",
          write: false,
          outdir: "out",
          logLevel: "silent",
        });
        const file = result.outputFiles[0];
        if (!file) throw new Error(`bundling ${entry} produced nothing`);
        const body = Buffer.from(file.contents);
        const hash = createHash("sha256").update(body).digest("base64url").slice(0, 12);
        const [base, ext] = name.split(".") as [string, string];
        const served = `${base}.${hash}.${ext}`;
        byFile.set(served, {
          body,
          gzip: gzipSync(body, { level: 9 }),
          brotli: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
          type: TYPES[ext] ?? "application/octet-stream",
          etag: `"${hash}"`,
        });
        urls[name] = `/assets/${served}`;
      }),
    );
    return new WebAssets(byFile, urls);
  }

  /** The fingerprinted URL of an asset, e.g. `/assets/app.Ab12Cd34Ef56.js`. */
  url(name: AssetName): string {
    return this.urls[name];
  }

  /** Bytes of an asset as served (uncompressed), for size budgets in tests. */
  size(name: AssetName): number {
    return this.byFile.get(this.urls[name].slice("/assets/".length))?.body.length ?? 0;
  }

  /** `GET /assets/:file`: immutable, pre-compressed, 404 for anything not built. */
  register(app: FastifyInstance): void {
    app.get<{ Params: { file: string } }>(
      "/assets/:file",
      {
        schema: { hide: true, params: { type: "object", properties: { file: { type: "string", maxLength: 100 } }, required: ["file"] } },
        compress: false,
      },
      async (request, reply) => {
        const asset = this.byFile.get(request.params.file);
        if (!asset) return reply.code(404).send({ error: { code: ErrorCodes.notFound, message: "No such asset (assets are renamed by every build)" } });
        reply.header("cache-control", "public, max-age=31536000, immutable").header("etag", asset.etag).header("vary", "accept-encoding");
        reply.header("x-content-type-options", "nosniff").type(asset.type);
        if (request.headers["if-none-match"] === asset.etag) return reply.code(304).send();
        const accepted = String(request.headers["accept-encoding"] ?? "");
        if (/\bbr\b/.test(accepted)) return reply.header("content-encoding", "br").send(asset.brotli);
        if (/\bgzip\b/.test(accepted)) return reply.header("content-encoding", "gzip").send(asset.gzip);
        return reply.send(asset.body);
      },
    );
  }
}
