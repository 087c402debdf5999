import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, RouteOptions } from "fastify";
import type { AccountService } from "../platform/accounts/AccountService.js";
import type { BlogService } from "../platform/blogs/BlogService.js";
import type { ChatService } from "../platform/chat/ChatService.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import { asRoomId } from "../platform/ids.js";
import { people } from "../platform/people/people.js";
import { authenticate } from "./authenticate.js";
import { errorResponses } from "./schemas/common.js";

/** A plugin's routes as the API mounts them. */
export interface PluginRouteSet {
  id: string;
  routes?: FastifyPluginAsync;
  roomRoutes?: FastifyPluginAsync;
  blogRoutes?: FastifyPluginAsync;
}

export interface PluginRoutesOptions {
  plugins: readonly PluginRouteSet[];
  accounts: AccountService;
  chat: ChatService;
  /** Without it, plugins' blog routes are not mounted. */
  blogs?: BlogService;
}

/**
 * Mounts each plugin's `routes` under `/api/v1/plugins/<id>/` and its `roomRoutes` under
 * `/api/v1/rooms/:roomId/`, each in its own encapsulated context (a plugin's hooks and
 * decorators stay its own). Room routes are authenticated (before validation, so an anonymous
 * caller hears 401 first) and limited to joined members after it, before their handler runs
 * (`request.mirage`); their documented answers gain 400, 401, 403 and 404. Blog routes, under
 * `/api/v1/blogs/:owner/`, are limited alike to the blog's owner (`request.mirageBlog`).
 */
export async function pluginRoutes(app: FastifyInstance, opts: PluginRoutesOptions): Promise<void> {
  for (const plugin of opts.plugins) {
    const tag = `plugin: ${plugin.id}`;
    if (plugin.routes) {
      const routes = plugin.routes;
      await app.register(
        async (scope) => {
          scope.addHook("onRoute", (route) => {
            const authenticated = [route.preValidation].flat().some((hook) => (hook as { authenticates?: boolean } | undefined)?.authenticates === true);
            tagRoute(route, tag, authenticated ? [401] : [], authenticated);
          });
          await scope.register(routes);
        },
        { prefix: `/api/v1/plugins/${plugin.id}` },
      );
    }
    if (plugin.roomRoutes) {
      const routes = plugin.roomRoutes;
      await app.register(
        async (scope) => {
          scope.addHook("onRoute", (route) => {
            const schema = (route.schema ??= {}) as Record<string, unknown>;
            // The room's id is checked like every room route's: 400 when malformed, after authentication.
            schema.params ??= RoomParams;
            tagRoute(route, tag, [400, 401, 403, 404], true);
          });
          scope.addHook("preValidation", authenticate(opts.accounts));
          scope.addHook("preHandler", async (request) => {
            request.mirage = await roomMember(opts.chat, request);
          });
          await scope.register(routes);
        },
        { prefix: "/api/v1/rooms/:roomId" },
      );
    }
    if (plugin.blogRoutes && opts.blogs) {
      const routes = plugin.blogRoutes;
      const blogs = opts.blogs;
      await app.register(
        async (scope) => {
          scope.addHook("onRoute", (route) => {
            const schema = (route.schema ??= {}) as Record<string, unknown>;
            schema.params ??= BlogParams;
            tagRoute(route, tag, [400, 401, 403, 404], true);
          });
          scope.addHook("preValidation", authenticate(opts.accounts));
          scope.addHook("preHandler", async (request) => {
            request.mirageBlog = await blogOwner(blogs, request);
          });
          await scope.register(routes);
        },
        { prefix: "/api/v1/blogs/:owner" },
      );
    }
  }
}

const BlogParams = Type.Object({ owner: Type.String({ minLength: 1, maxLength: 255 }) });

/** The caller must own the blog: 404 when there is no such blog, 403 when it is someone else's. */
async function blogOwner(blogs: BlogService, request: FastifyRequest) {
  const owner = (request.params as { owner?: unknown }).owner;
  if (typeof owner !== "string" || owner.length === 0 || owner.length > 255) throw new MirageError(ErrorCodes.notFound, "no such blog");
  const person = people.account(request.auth!.account.name);
  const blog = await blogs.getBlog(owner, person);
  if (blog.owner !== people.id(person)) throw new MirageError(ErrorCodes.forbidden, "only the blog's owner may do this");
  return { person, blog };
}

const RoomParams = Type.Object({ roomId: Type.String({ minLength: 1, maxLength: 64 }) });

/** The caller must be a joined member of the room: 404 when they cannot see it, 403 when not joined. */
async function roomMember(chat: ChatService, request: FastifyRequest) {
  const roomId = (request.params as { roomId?: unknown }).roomId;
  if (typeof roomId !== "string" || roomId.length === 0 || roomId.length > 64) throw new MirageError(ErrorCodes.notFound, "no such room");
  const person = people.account(request.auth!.account.name);
  const { room, membership } = await chat.getRoom(person, asRoomId(roomId));
  if (membership.membership !== "join") throw new MirageError(ErrorCodes.forbidden, "join the room first");
  return { person, room, membership };
}

/** Groups a plugin's operations under its tag and documents the answers the host gives for it. */
function tagRoute(route: RouteOptions, tag: string, statuses: number[], bearer = false): void {
  const schema = (route.schema ??= {}) as Record<string, unknown>;
  schema.tags ??= [tag];
  if (bearer) schema.security ??= [{ bearer: [] }];
  if (schema.response) {
    const response = schema.response as Record<string, unknown>;
    for (const [status, body] of Object.entries(errorResponses(...statuses))) if (!(status in response)) response[status] = body;
  }
}

/** `authenticate` for plugins' own routes, marked so the host documents their 401 and bearer security. */
export function pluginAuthenticate(accounts: AccountService): ReturnType<typeof authenticate> {
  return Object.assign(authenticate(accounts), { authenticates: true });
}
