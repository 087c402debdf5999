import { createHash } from "node:crypto";
import type { PublicImage } from "../http/fetchPublicImage.js";
import type { KeyValueStore } from "../platform/ports/KeyValueStore.js";

export interface AvatarImporterDeps {
  kv: KeyValueStore;
  /** Fetches the image at an https URL (see `fetchPublicImage`); throws a classified error when it cannot. */
  fetch(url: string): Promise<Pick<PublicImage, "bytes" | "contentType">>;
  /** Uploads to the homeserver's media repository, resolving its `mxc://` URI. */
  upload(bytes: Buffer, contentType: string): Promise<string>;
}

/**
 * Turns a profile's avatar URL into an `mxc://` URI for a ghost: an `mxc://` is used as is; an
 * https image is fetched and uploaded once per URL, the URI remembered in the store, so re-syncs
 * and restarts upload nothing again. Setting another URL uploads that one once.
 */
export class AvatarImporter {
  constructor(private readonly deps: AvatarImporterDeps) {}

  async mxcFor(url: string): Promise<string> {
    if (url.startsWith("mxc://")) return url;
    const key = `ghost-avatar:${createHash("sha256").update(url).digest("hex")}`;
    const known = await this.deps.kv.get(key);
    if (known !== undefined) return known;
    const image = await this.deps.fetch(url);
    const mxc = await this.deps.upload(image.bytes, image.contentType);
    await this.deps.kv.put(key, mxc);
    return mxc;
  }
}
