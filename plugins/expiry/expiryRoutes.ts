import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { PlatformServices } from "../../src/platform/createPlatformServices.js";
import { roomRequest, type PluginWeb } from "../../src/plugins/pluginApi.js";
import type { ExpiryPolicy } from "./ExpiryPolicy.js";

const Policy = Type.Object(
  {
    seconds: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: "Lifetime of each message in seconds; null turns disappearing messages off." }),
    mode: Type.Optional(
      Type.Union([Type.Literal("after_send"), Type.Literal("after_read")], {
        description: "When a message's time starts: when sent (default), or once every other member has read it.",
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * `PUT /api/v1/rooms/{roomId}/expiry` (mounted by the host under the room, for its joined members):
 * the room's moderator sets or clears its policy.
 */
export function expiryRoutes(deps: {
  chat: PlatformServices["chat"];
  web: PluginWeb;
  maxMs: number;
  set(roomId: string, policy: ExpiryPolicy | undefined): Promise<unknown>;
}): FastifyPluginAsync {
  return async (app) => {
    app.put(
      "/expiry",
      {
        schema: {
          summary: "Set or clear the room's disappearing-messages timer",
          description:
            "Messages sent after the change expire `seconds` after they were sent (`after_send`) or after every other member read them (`after_read`): they are redacted in Matrix and deleted from Mirage. Room moderators only.",
          tags: ["rooms"],
          body: Policy,
          response: { 200: Policy, ...deps.web.errors(400, 401, 403, 404) } as Record<number, unknown>,
        },
      },
      async (request, reply) => {
        const { person, room } = roomRequest(request);
        const body = request.body as { seconds: number | null; mode?: ExpiryPolicy["mode"] };
        if (!(await deps.chat.moderates(person, room.id))) {
          return reply.code(403).send({ error: { code: "FORBIDDEN", message: "only the room's moderator sets its disappearing-messages timer" } });
        }
        if (body.seconds !== null && body.seconds * 1000 > deps.maxMs) {
          return reply.code(400).send({ error: { code: "INVALID_INPUT", message: `seconds must be at most ${Math.floor(deps.maxMs / 1000)}` } });
        }
        const mode = body.mode ?? "after_send";
        await deps.set(room.id, body.seconds === null ? undefined : { mode, ms: body.seconds * 1000 });
        return { seconds: body.seconds, mode };
      },
    );
  };
}
