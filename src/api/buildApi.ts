import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Registry } from "prom-client";
import type { Logger } from "../log/createLogger.js";
import type { AccountService } from "../platform/accounts/AccountService.js";
import type { WriteThrottle } from "../platform/accounts/WriteThrottle.js";
import { errorHandler, notFoundHandler, protocolErrorBody } from "./errorHandler.js";
import { AllowedMethods } from "../http/AllowedMethods.js";
import { clientErrorHandler } from "../http/clientErrorHandler.js";
import { accountRoutes } from "./routes/accountRoutes.js";
import { chatRoutes } from "./routes/chatRoutes.js";
import { MessagePageCache } from "./MessagePageCache.js";
import type { DomainEventBus } from "../platform/events/DomainEvent.js";
import { chatSchemas } from "./schemas/chatSchemas.js";
import type { ChatService } from "../platform/chat/ChatService.js";
import type { ProfileService } from "../platform/accounts/ProfileService.js";
import type { SyncHub } from "../platform/sync/SyncHub.js";
import type { BlogService } from "../platform/blogs/BlogService.js";
import type { CommentService } from "../platform/blogs/CommentService.js";
import type { ReactionService } from "../platform/reactions/ReactionService.js";
import { blogRoutes } from "./routes/blogRoutes.js";
import { reactionRoutes } from "./routes/reactionRoutes.js";
import { blogSchemas } from "./schemas/blogSchemas.js";
import { reactionSchemas } from "./schemas/reactionSchemas.js";
import { validatorCompiler } from "./validatorCompiler.js";
import { ErrorCodes } from "../platform/errors/MirageError.js";
import { profileRoutes, profileSchemas } from "./routes/profileRoutes.js";
import { syncRoutes } from "./routes/syncRoutes.js";
import { syncObjects } from "./syncObjects.js";
import { registerSyncMetrics } from "./syncMetrics.js";
import { healthRoutes, type HealthSource, type OperationsAccess } from "./routes/healthRoutes.js";
import { mediaRoutes, type MediaRoutesOptions } from "./routes/mediaRoutes.js";
import { encryptedMediaRoutes, type EncryptedMediaRoutesOptions } from "./routes/encryptedMediaRoutes.js";
import { documentFrameworkErrors, sharedSchemas } from "./schemas/common.js";
import { identifierSchemas } from "./schemas/identifierSchemas.js";
import { personSchemas } from "./schemas/personSchemas.js";
import { profileLookup } from "./profileLookup.js";
import type { PersonProfiles } from "../platform/people/PersonProfiles.js";
import { exceedsJsonDepth, MAX_JSON_DEPTH } from "../platform/jsonDepth.js";
import { pluginRoutes, type PluginRouteSet } from "./pluginRoutes.js";
import { previewRoutes } from "./routes/previewRoutes.js";
import { profileForPage, type PageImageUrl } from "../web/pages/profileForPage.js";
import { previewSchemas } from "./schemas/previewSchemas.js";
import { webRoutes, type WebRoutesOptions } from "../web/webRoutes.js";

export interface ApiDeps {
  logger: Logger;
  registry: Registry;
  health: HealthSource;
  trustProxy: boolean;
  bodyLimitBytes?: number;
  corsOrigins?: readonly string[];
  /** The account side; absent in tests that only exercise operations routes. */
  accounts?: {
    service: AccountService;
    matrixIdFor(name: string): string;
    limits: { signUpPerHourPerIp: number; loginPerMinutePerIp: number };
    /** Per-account budget for every route that changes state; absent: unlimited. */
    writes?: WriteThrottle;
    /** Per-account budget for editors' previews (`/api/v1/previews/…`, `/api/v1/me/profile/preview`); absent: unlimited. */
    previews?: WriteThrottle;
  };
  /** Rooms and messages; needs `accounts`. */
  chat?: ChatService;
  /** Committed domain events: with them, message pages are cached until their room changes. */
  events?: DomainEventBus;
  /** Profiles; needs `accounts`. */
  profiles?: ProfileService;
  /** Long-poll sync; needs `accounts`. */
  sync?: SyncHub;
  /** Blogs, posts, comments and reactions; needs `accounts`. */
  blogs?: { blogs: BlogService; comments: CommentService; reactions: ReactionService };
  /** Display names and avatars shown beside messages, posts and comments; absent: people are shown by their IDs. */
  personProfiles?: PersonProfiles;
  /** Public base URL, for the media route URLs of avatars; absent: root-relative URLs. */
  publicUrl?: string;
  /** `GET /media/{server}/{mediaId}`: Matrix media for web pages. */
  media?: MediaRoutesOptions;
  /** `GET /api/v1/media/encrypted/{mediaId}`: encrypted Matrix attachments for their messages' readers; needs `accounts`. */
  encryptedMedia?: Omit<EncryptedMediaRoutesOptions, "accounts">;
  version?: string;
  /** Plugins' routes (`/api/v1/plugins/<id>/…`, room routes under `/api/v1/rooms/:roomId/…`); need `accounts` and `chat`. */
  plugins?: readonly PluginRouteSet[];
  /** Who sees /health's details and /metrics; default: nobody gets details, /metrics served openly. */
  operations?: OperationsAccess;
  /** The web side (assets, public pages, the chat client); absent: JSON API only. */
  web?: WebRoutesOptions;
}

/** Path segments carry Matrix IDs and percent-encoded emoji reaction keys. */
const MAX_PARAM_LENGTH = 1024;

function requestForLog(request: FastifyRequest): Record<string, unknown> {
  return { id: request.id, method: request.method, route: request.routeOptions?.url ?? "(no route)" };
}

/** Builds the HTTP side without listening, so tests drive it through `inject()`. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const allowed = new AllowedMethods({ maxParamLength: MAX_PARAM_LENGTH });
  const app = Fastify({
    // Request logs name the route, never the URL (ids, reaction keys, sync positions) or the client's address.
    loggerInstance: deps.logger.child({ component: "api" }, { serializers: { req: requestForLog } }) as FastifyBaseLogger,
    trustProxy: deps.trustProxy,
    bodyLimit: deps.bodyLimitBytes ?? 1024 * 1024,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors the router raises itself (bad percent-encoding, a path segment too long: 414) keep the one error shape.
    frameworkErrors: (error, _request, reply) => {
      const plain = reply as unknown as FastifyReply;
      const status = (error as { statusCode?: number }).statusCode ?? 400;
      void plain.code(status).send({ error: { code: status === 414 ? ErrorCodes.requestTooLarge : ErrorCodes.invalidInput, message: error.message } });
    },
    // …and so do requests Node's parser refuses before routing (431 header fields too large, …).
    clientErrorHandler: clientErrorHandler(protocolErrorBody, (path) => allowed.for(path)),
  });
  // Bounded nesting, checked on the raw text before anything recursive sees the body.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, text, done) => {
    if (!exceedsJsonDepth(text as string)) return parseJson(request, text as string, done);
    done(Object.assign(new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), { statusCode: 400 }), undefined);
  });
  const schemas = [...sharedSchemas, ...identifierSchemas, ...personSchemas, ...chatSchemas, ...profileSchemas, ...reactionSchemas, ...blogSchemas, ...previewSchemas];
  app.setValidatorCompiler(validatorCompiler(schemas));
  app.decorateRequest("auth", null);
  app.decorateRequest("mirage", null);
  app.decorateRequest("mirageBlog", null);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler((path) => allowed.for(path)));
  for (const schema of schemas) app.addSchema(schema);
  app.addHook("onRoute", (route) => {
    documentFrameworkErrors(route.schema);
    allowed.add(route.method, route.url);
  });

  await app.register(swagger, {
    // Shared schemas keep their names in the document (Handle, ReactionKey, …).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === "string" ? json.$id : `def-${i}`) },
    openapi: {
      info: { title: "Mirage API", version: deps.version ?? "0", description: "Mirage's side API. Errors: {\"error\": {\"code\", \"message\"}}." },
      components: { securitySchemes: {
          bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
          refreshCookie: { type: "apiKey", in: "cookie", name: "mirage_refresh", description: "The HttpOnly refresh cookie; calls using it need `X-Mirage-CSRF: 1`." },
        }, },
    },
  });
  await app.register(cors, { origin: deps.corsOrigins && deps.corsOrigins.length > 0 ? [...deps.corsOrigins] : false });
  // Limits apply only to routes that ask for one in their config.
  await app.register(rateLimit, { global: false });

  await app.register(healthRoutes, {
    health: deps.health,
    registry: deps.registry,
    access: deps.operations ?? { token: "", metricsRequireToken: false, serveMetrics: true },
  });
  if (deps.media) await app.register(mediaRoutes, deps.media);
  if (deps.accounts) {
    await app.register(accountRoutes, {
      accounts: deps.accounts.service,
      matrixIdFor: deps.accounts.matrixIdFor,
      limits: deps.accounts.limits,
    });
    const writes = deps.accounts.writes ? { writes: deps.accounts.writes } : {};
    const profiles = profileLookup(deps.personProfiles, deps.publicUrl);
    if (deps.encryptedMedia) await app.register(encryptedMediaRoutes, { accounts: deps.accounts.service, ...deps.encryptedMedia });
    if (deps.chat) {
      const pageCache = deps.events ? new MessagePageCache(deps.events) : undefined;
      // Cached pages carry senders' profiles: a Matrix user's profile change makes them stale.
      if (pageCache) deps.personProfiles?.onMatrixChange(() => pageCache.invalidateAll());
      await app.register(chatRoutes, { accounts: deps.accounts.service, chat: deps.chat, profiles, ...writes, ...(pageCache ? { pageCache } : {}) });
      if (deps.plugins && deps.plugins.length > 0) await pluginRoutes(app, { plugins: deps.plugins, accounts: deps.accounts.service, chat: deps.chat, ...(deps.blogs ? { blogs: deps.blogs.blogs } : {}) });
    }
    if (deps.profiles) {
      await app.register(profileRoutes, { accounts: deps.accounts.service, profiles: deps.profiles, matrixIdFor: deps.accounts.matrixIdFor, ...writes });
    }
    if (deps.profiles || deps.blogs) {
      await app.register(previewRoutes, {
        accounts: deps.accounts.service,
        ...(deps.profiles ? { profiles: deps.profiles } : {}),
        ...(deps.blogs ? { blogs: deps.blogs.blogs } : {}),
        ...(deps.accounts.previews ? { previews: deps.accounts.previews } : {}),
        // The preview shows the profile exactly as its page will: style attributes moved into the stylesheet, images through Mirage's copy.
        ...(deps.web?.pages ? { presentProfile: presentProfileFor(deps.web.pages.imageUrl) } : {}),
      });
    }
    if (deps.sync) {
      const objects = deps.chat
        ? syncObjects({ chat: deps.chat, ...(deps.blogs ? { blogs: deps.blogs } : {}), profiles, log: app.log.child({ component: "sync" }) })
        : undefined;
      await app.register(syncRoutes, { accounts: deps.accounts.service, hub: deps.sync, ...(objects ? { objects } : {}) });
      registerSyncMetrics(deps.registry, deps.sync);
    }
    if (deps.blogs) {
      await app.register(blogRoutes, { accounts: deps.accounts.service, blogs: deps.blogs.blogs, comments: deps.blogs.comments, profiles, ...writes });
      await app.register(reactionRoutes, { accounts: deps.accounts.service, reactions: deps.blogs.reactions, ...writes });
    }
  }
  if (deps.web) await app.register(webRoutes, deps.web);
  app.get("/api/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}

function presentProfileFor(imageUrl: PageImageUrl): (html: string, css: string) => { html: string; css: string } {
  return (html, css) => profileForPage(html, css, imageUrl);
}
