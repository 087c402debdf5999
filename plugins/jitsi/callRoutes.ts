import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { type PluginRoomRequest, roomRequest } from "../../src/plugins/pluginApi.js";
import type { JitsiCalls } from "./JitsiCalls.js";
import { type JitsiCall, jitsiWidgetUrl, meetingUrl } from "./jitsiWidget.js";

type Caller = PluginRoomRequest["person"];

const CallView = Type.Object(
  {
    url: Type.String({ description: "The meeting link; with `jwt` the caller's personal token when the server needs one." }),
    conferenceId: Type.String(),
    domain: Type.String(),
    audioOnly: Type.Boolean(),
    widgetId: Type.String({ description: "The state key of the room's `im.vector.modular.widgets` event." }),
    widgetUrl: Type.String({ description: "The widget URL Matrix clients load (template variables unfilled)." }),
    creatorUserId: Type.String({ description: "Matrix user ID of whoever started the call." }),
  },
  { description: "A room's Jitsi call." },
);

/**
 * `GET|POST|DELETE /api/v1/rooms/{roomId}/call`, mounted by the host as room routes: it has checked
 * the caller is a joined member. The same widget, layout and notice as `!call` appear in Matrix.
 */
export function callRoutes(
  calls: JitsiCalls,
  options: { homeserverDomain: string; wrapperUrl: string; errors(...statuses: number[]): Record<number, unknown> },
): FastifyPluginAsync {
  const view = (call: JitsiCall, caller: Caller) => ({
    url: meetingUrl(call, calls.tokenFor(call, tokenUser(caller))),
    conferenceId: call.conferenceId,
    domain: call.domain,
    audioOnly: call.audioOnly,
    widgetId: call.widgetId,
    widgetUrl: jitsiWidgetUrl(options.wrapperUrl, call.conferenceId),
    creatorUserId: call.creatorUserId,
  });
  return async (app) => {
    app.get(
      "/call",
      {
        schema: {
          summary: "The room's Jitsi call, with the caller's own link",
          response: { 200: CallView, ...options.errors(404) } as Record<number, unknown>,
        },
      },
      async (request, reply) => {
        const { person, room } = roomRequest(request);
        const call = await calls.current({ roomId: room.id });
        if (!call) return reply.code(404).send(noCall);
        return view(call, person);
      },
    );
    app.post(
      "/call",
      {
        schema: {
          summary: "Start a Jitsi call in the room (or get the running one)",
          description: "Adds Element's Jitsi widget to the room's portal, pins it and posts the meeting link. 201 when started, 200 when a call was already running.",
          body: Type.Object({ audioOnly: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
          response: { 200: CallView, 201: CallView },
        },
      },
      async (request, reply) => {
        const { person, room } = roomRequest(request);
        const body = (request.body ?? {}) as { audioOnly?: boolean };
        const creatorUserId = matrixIdOf(person, options.homeserverDomain);
        const { call, created } = await calls.start({ roomId: room.id }, { creatorUserId, audioOnly: body.audioOnly === true, roomName: room.name });
        return reply.code(created ? 201 : 200).send(view(call, person));
      },
    );
    app.delete(
      "/call",
      {
        schema: {
          summary: "End the room's Jitsi call",
          response: { 204: Type.Null({ description: "Ended: the widget is emptied and unpinned." }), ...options.errors(404) } as Record<number, unknown>,
        },
      },
      async (request, reply) => {
        if (!(await calls.end({ roomId: roomRequest(request).room.id }))) return reply.code(404).send(noCall);
        return reply.code(204).send();
      },
    );
  };
}

const noCall = { error: { code: "NOT_FOUND", message: "There is no call in this room." } };

/** A Mirage account acts in Matrix as its ghost, `@mirage_<name>:<domain>`. */
function matrixIdOf(caller: Caller, homeserverDomain: string): string {
  return caller.kind === "matrix" ? caller.userId : `@mirage_${caller.name}:${homeserverDomain}`;
}

function tokenUser(caller: Caller): { id: string; name: string } {
  return caller.kind === "matrix" ? { id: caller.userId, name: caller.userId } : { id: caller.name, name: caller.name };
}
