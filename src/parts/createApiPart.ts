import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import { buildApi } from "../api/buildApi.js";
import { WebAssets } from "../web/WebAssets.js";
import { profileLookup } from "../api/profileLookup.js";
import { externalImageUrlUnder } from "../platform/render/externalImageUrl.js";
import { buildOperationsServer } from "../api/buildOperationsServer.js";
import type { HealthSource } from "../api/routes/healthRoutes.js";
import type { PluginRouteSet } from "../api/pluginRoutes.js";
import type { MediaRoutesOptions } from "../api/routes/mediaRoutes.js";
import type { MirageConfig } from "../config/configSchema.js";
import type { Logger } from "../log/createLogger.js";
import { GHOST_PREFIX } from "../matrix/registration.js";
import { mediaServerPolicy } from "../platform/media/mediaServerPolicy.js";
import type { ImageImports } from "../platform/ports/ImageImports.js";
import type { MediaSource } from "../platform/ports/MediaSource.js";
import type { EncryptedMediaReader } from "../platform/ports/EncryptedMedia.js";
import type { Part } from "./Part.js";
import type { PlatformPart } from "./createPlatformPart.js";

export interface ApiPart extends Part {
  /** The HTTP side (JSON API, pages, /health, /metrics), usable through `inject()` before `start()`. */
  api: FastifyInstance;
  /** The separate /metrics and /health listener, with `operations.metrics.port`. */
  operationsApi: FastifyInstance | undefined;
}

/** The HTTP side over the platform, and the operations listener; `start()` listens on both. */
export async function createApiPart(options: {
  config: MirageConfig;
  logger: Logger;
  registry: Registry;
  platform: Pick<PlatformPart, "services" | "accounts" | "writes" | "previews" | "hub" | "events" | "externalImageKey">;
  health: HealthSource;
  /** Where `/media/…` reads Matrix media from; absent: no media routes. */
  mediaSource?: MediaSource;
  /** Images by URL for `/media/external/…` (with `mediaSource`); absent: no such route. */
  images?: ImageImports;
  /** Instead of the media routes built from `mediaSource` and `api.media` (tests). */
  media?: MediaRoutesOptions;
  /** Encrypted Matrix attachments (from the bridge); absent: no such route. */
  encryptedMedia?: EncryptedMediaReader;
  version?: string;
  /** Plugins' routes, mounted before the API listens. */
  plugins?: readonly PluginRouteSet[];
}): Promise<ApiPart> {
  const { config, logger, registry, platform, health } = options;
  const { chat, profiles, blogs, comments, reactions } = platform.services;
  const separateMetrics = config.operations.metrics.port !== 0;
  const operationsAccess = { token: config.operations.token, metricsRequireToken: config.operations.metrics.requireToken };
  const operationsApi = separateMetrics ? await buildOperationsServer({ logger, registry, health, access: operationsAccess }) : undefined;
  const media =
    options.media ??
    (options.mediaSource && {
      source: options.mediaSource,
      serves: mediaServerPolicy(config.homeserver.domain, config.api.media.servers),
      perMinutePerIp: config.api.rateLimits.mediaPerMinutePerIp,
      cacheMaxAgeSeconds: config.api.media.cacheMaxAgeSeconds,
      ...(options.images ? { external: { key: platform.externalImageKey, images: options.images } } : {}),
    });
  const web = config.web.enabled
    ? {
        assets: await WebAssets.build(),
        site: { name: config.web.instanceName, description: config.web.description, publicUrl: config.api.publicUrl.replace(/\/+$/, "") },
        pages: {
          blogs,
          comments,
          profiles,
          // Root-relative media addresses: pages load images from their own origin (img-src 'self').
          personProfiles: profileLookup(platform.services.personProfiles, ""),
          imageUrl: externalImageUrlUnder("", platform.externalImageKey),
        },
      }
    : undefined;
  const api = await buildApi({
    logger,
    registry,
    trustProxy: config.api.trustProxy,
    bodyLimitBytes: config.api.bodyLimitBytes,
    corsOrigins: config.api.cors.origins,
    ...(options.version !== undefined ? { version: options.version } : {}),
    health,
    operations: { ...operationsAccess, serveMetrics: !separateMetrics },
    chat,
    events: platform.events,
    profiles,
    personProfiles: platform.services.personProfiles,
    publicUrl: config.api.publicUrl,
    sync: platform.hub,
    blogs: { blogs, comments, reactions },
    ...(media ? { media } : {}),
    ...(web ? { web } : {}),
    ...(options.plugins ? { plugins: options.plugins } : {}),
    ...(options.encryptedMedia
      ? {
          encryptedMedia: {
            reader: options.encryptedMedia,
            perMinutePerIp: config.api.rateLimits.mediaPerMinutePerIp,
            cacheMaxAgeSeconds: config.api.media.cacheMaxAgeSeconds,
          },
        }
      : {}),
    accounts: {
      service: platform.accounts,
      matrixIdFor: (name) => `@${GHOST_PREFIX}${name}:${config.homeserver.domain}`,
      limits: config.api.rateLimits,
      ...(platform.writes ? { writes: platform.writes } : {}),
      ...(platform.previews ? { previews: platform.previews } : {}),
    },
  });

  let apiListening = false;
  let operationsListening = false;
  return {
    api,
    operationsApi,
    async start() {
      apiListening = true;
      await api.listen({ port: config.api.port, host: config.api.bindAddress });
      if (!operationsApi) return;
      operationsListening = true;
      await operationsApi.listen({ port: config.operations.metrics.port, host: config.operations.metrics.bindAddress });
    },
    async stop() {
      // Answers waiting long-polls so the HTTP server can close promptly.
      platform.hub.close();
      if (apiListening) await api.close();
      if (operationsListening) await operationsApi?.close();
    },
  };
}
