import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { JitsiCalls } from "./JitsiCalls.js";
import { type JitsiCall, jitsiWidgetUrl, meetingUrl } from "./jitsiWidget.js";

/** The signed-in caller as the host describes them on a room route. */
type Caller = { kind: "account"; name: string } | { kind: "matrix"; userId: string };

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
  { $id: "JitsiCall" },
);
const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });
const Params = Type.Object({ roomId: Type.String() });

/**
 * `GET|POST|DELETE /api/v1/rooms/{roomId}/call`, mounted by the host as room routes: it has checked
 * the caller is a joined member. The same widget, layout and notice as `!call` appear in Matrix.
 */
export function callRoutes(calls: JitsiCalls, options: { homeserverDomain: string; wrapperUrl: string }): FastifyPluginAsync {
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
          tags: ["calls"],
          params: Params,
          response: { 200: CallView, 404: ErrorBody },
        },
      },
      async (request, reply) => {
        const { caller, roomId } = callerOf(request);
        const call = await calls.current({ roomId });
        if (!call) return reply.code(404).send(noCall);
        return view(call, caller);
      },
    );
    app.post(
      "/call",
      {
        schema: {
          summary: "Start a Jitsi call in the room (or get the running one)",
          description: "Adds Element's Jitsi widget to the room's portal, pins it and posts the meeting link. 201 when started, 200 when a call was already running.",
          tags: ["calls"],
          params: Params,
          body: Type.Object({ audioOnly: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
          response: { 200: CallView, 201: CallView },
        },
      },
      async (request, reply) => {
        const { caller, roomId, roomName } = callerOf(request);
        const body = (request.body ?? {}) as { audioOnly?: boolean };
        const creatorUserId = matrixIdOf(caller, options.homeserverDomain);
        const { call, created } = await calls.start({ roomId }, { creatorUserId, audioOnly: body.audioOnly === true, roomName });
        return reply.code(created ? 201 : 200).send(view(call, caller));
      },
    );
    app.delete(
      "/call",
      {
        schema: {
          summary: "End the room's Jitsi call",
          tags: ["calls"],
          params: Params,
          response: { 204: Type.Null({ description: "Ended: the widget is emptied and unpinned." }), 404: ErrorBody },
        },
      },
      async (request, reply) => {
        const { roomId } = callerOf(request);
        if (!(await calls.end({ roomId }))) return reply.code(404).send(noCall);
        return reply.code(204).send();
      },
    );
  };
}

const noCall = { error: { code: "NOT_FOUND", message: "There is no call in this room." } };

function callerOf(request: FastifyRequest): { caller: Caller; roomId: string; roomName: string } {
  const mirage = (request as unknown as { mirage?: { person: Caller; room: { id: string; name: string } } | null }).mirage;
  if (!mirage) throw new Error("call routes run only as room routes");
  return { caller: mirage.person, roomId: mirage.room.id, roomName: mirage.room.name };
}

/** A Mirage account acts in Matrix as its ghost, `@mirage_<name>:<domain>`. */
function matrixIdOf(caller: Caller, homeserverDomain: string): string {
  return caller.kind === "matrix" ? caller.userId : `@mirage_${caller.name}:${homeserverDomain}`;
}

function tokenUser(caller: Caller): { id: string; name: string } {
  return caller.kind === "matrix" ? { id: caller.userId, name: caller.userId } : { id: caller.name, name: caller.name };
}
