import { createHash } from "node:crypto";
import { ImageFetchError, type PublicImage } from "../http/fetchPublicImage.js";
import type { Logger } from "../log/createLogger.js";
import type { ImageImport, ImageImports, ImportedImage } from "../platform/ports/ImageImports.js";
import type { KeyValueStore } from "../platform/ports/KeyValueStore.js";

export interface ImageImporterDeps {
  kv: KeyValueStore;
  /** Fetches the image (see `fetchPublicImage`); throws `ImageFetchError` when it cannot. */
  fetch(url: string): Promise<PublicImage>;
  /** Uploads to the homeserver's media repository, resolving its `mxc://` URI. */
  upload(bytes: Buffer, contentType: string): Promise<string>;
  /** How long a refused or failed fetch is remembered before the URL is tried again. */
  negativeTtlMs: number;
  logger: Logger;
  /** Counts each outcome: `fetched`, `cached`, `refused` (by the fetch rules) or `failed` (remote or network). */
  count?: (result: "fetched" | "cached" | "refused" | "failed") => void;
  now?: () => number;
}

type Stored = ImportedImage | { refused: string; until: number };

/** The cache key of a URL: its hash, so the store holds no URL and logs can name it safely. */
export const imageUrlHash = (url: string) => createHash("sha256").update(url).digest("hex");

/**
 * Imports images by URL, keyed by the URL's hash in the store (hash → {mxc, mimetype, size, w, h}),
 * so each URL is fetched and uploaded once; concurrent requests for one URL share one fetch.
 * Refusals are stored with an expiry. Logs carry the hash and a code, never the URL or bytes.
 */
export class ImageImporter implements ImageImports {
  private readonly inFlight = new Map<string, Promise<ImageImport>>();
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly deps: ImageImporterDeps) {
    this.log = deps.logger.child({ component: "image-import" });
    this.now = deps.now ?? Date.now;
  }

  imported(url: string): Promise<ImageImport> {
    const hash = imageUrlHash(url);
    const running = this.inFlight.get(hash);
    if (running) return running;
    const work = this.load(url, hash).finally(() => this.inFlight.delete(hash));
    this.inFlight.set(hash, work);
    return work;
  }

  private async load(url: string, hash: string): Promise<ImageImport> {
    const key = `image-url:${hash}`;
    const known = await this.deps.kv.get(key);
    const stored = known === undefined ? undefined : (JSON.parse(known) as Stored);
    if (stored && !("refused" in stored)) {
      this.deps.count?.("cached");
      return { image: stored };
    }
    if (stored && stored.until > this.now()) {
      this.deps.count?.("cached");
      return { refused: stored.refused };
    }
    let fetched: PublicImage;
    try {
      fetched = await this.deps.fetch(url);
    } catch (error) {
      const refusal = error instanceof ImageFetchError ? error : new ImageFetchError(502, "UNREACHABLE", "the fetch failed");
      const result = refusal.statusCode === 400 ? "refused" : "failed";
      this.deps.count?.(result);
      this.log.info({ urlHash: hash, code: refusal.errcode }, `image ${result}`);
      await this.deps.kv.put(key, JSON.stringify({ refused: refusal.errcode, until: this.now() + this.deps.negativeTtlMs } satisfies Stored));
      return { refused: refusal.errcode };
    }
    const mxc = await this.deps.upload(fetched.bytes, fetched.contentType);
    const image: ImportedImage = { mxc, mimetype: fetched.contentType, size: fetched.bytes.length, width: fetched.width, height: fetched.height };
    await this.deps.kv.put(key, JSON.stringify(image));
    this.deps.count?.("fetched");
    this.log.debug({ urlHash: hash, mimetype: image.mimetype, size: image.size }, "image imported");
    return { image };
  }
}
