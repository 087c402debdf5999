import compress from "@fastify/compress";
import type { FastifyInstance } from "fastify";
import { isDocumentType, setPageHeaders } from "./securityHeaders.js";
import type { WebAssets } from "./WebAssets.js";
import { publicPageRoutes, type PublicPageServices } from "./pages/publicPageRoutes.js";
import { appRoutes } from "./appRoutes.js";

/** What the web side shows about this instance. */
export interface SiteInfo {
  name: string;
  description: string;
  /** Absolute base URL (no trailing slash), for feeds, canonical links and link previews. */
  publicUrl: string;
}

export interface WebRoutesOptions {
  assets: WebAssets;
  site: SiteInfo;
  /** What the public pages read (`/`, `/@{owner}`, …); absent: no public pages. */
  pages?: PublicPageServices;
}

/**
 * Mirage's own web side: fingerprinted assets, public pages and the chat client, in one
 * encapsulation so that compression and the page headers apply to them and not to the JSON API
 * (whose media answers carry byte ranges).
 */
export async function webRoutes(app: FastifyInstance, options: WebRoutesOptions): Promise<void> {
  await app.register(compress, { global: true, threshold: 1024, encodings: ["br", "gzip"], globalDecompression: false });
  app.addHook("onSend", async (_request, reply, payload) => {
    if (isDocumentType(reply.getHeader("content-type")) && !reply.hasHeader("content-security-policy")) setPageHeaders(reply);
    return payload;
  });
  options.assets.register(app);
  if (options.pages) await app.register(publicPageRoutes, { ...options.pages, assets: options.assets, site: options.site });
  await app.register(appRoutes, { assets: options.assets, siteName: options.site.name });
}
