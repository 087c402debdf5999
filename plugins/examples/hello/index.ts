import { Type } from "@sinclair/typebox";
import { definePlugin, roomRequest } from "../../../src/plugins/pluginApi.js";

/**
 * The example plugin of plugins/README.md: a command (`!hello [name]`), a durable hook (counts
 * the messages posted in each room, from the web or Matrix) and routes that show the counts.
 */
export default definePlugin({
  manifest: { id: "hello", version: "1.0.0", description: "Greets, and counts messages per room." },
  configSchema: Type.Object({
    greeting: Type.String({ description: "What `!hello` answers with.", default: "Hello", minLength: 1, maxLength: 100 }),
  }),
  start(ctx) {
    ctx.hooks.on("message.created", async (entry) => {
      if (entry.event.type !== "message.created") return;
      // Idempotent: a hook may see an entry again after a crash, so it counts each position once.
      const key = `count:${entry.event.roomId}`;
      const seen = await ctx.store.get<{ count: number; position: number }>(key);
      if (seen && seen.position >= entry.position) return;
      await ctx.store.put(key, { count: (seen?.count ?? 0) + 1, position: entry.position });
    });

    const countOf = async (roomId: string) => (await ctx.store.get<{ count: number }>(`count:${roomId}`))?.count ?? 0;
    const Counted = Type.Object({ roomId: Type.String(), messages: Type.Integer() });

    return {
      commands: [
        {
          name: "hello",
          summary: "Answers with a greeting",
          args: [{ name: "name", description: "whom to greet (default: you)", rest: true }],
          permission: "anyone",
          run(command) {
            command.reply(`${ctx.config.greeting}, ${command.args.name ?? command.sender}!`);
          },
        },
      ],
      // GET /api/v1/plugins/hello/rooms/{roomId}/count — for signed-in callers.
      async routes(app) {
        app.get(
          "/rooms/:roomId/count",
          {
            preValidation: ctx.web.authenticate,
            schema: {
              summary: "How many messages the hello plugin counted in a room",
              params: Type.Object({ roomId: Type.String({ minLength: 1, maxLength: 64 }) }),
              // 401 is documented by the host (the route authenticates); 404 is this route's own answer.
              response: { 200: Counted, ...ctx.web.errors(404) },
            },
          },
          async (request) => {
            const { roomId } = request.params as { roomId: string };
            // Only members may ask: the platform's own visibility check decides.
            await ctx.platform.chat.getRoom(ctx.web.personOf(request), roomId as Parameters<typeof ctx.platform.chat.getRoom>[1]);
            return { roomId, messages: await countOf(roomId) };
          },
        );
      },
      // GET /api/v1/rooms/{roomId}/hello — the host has checked the caller is a joined member.
      async roomRoutes(app) {
        app.get(
          "/hello",
          { schema: { summary: "The hello plugin's greeting and message count for a room", response: { 200: Type.Object({ greeting: Type.String(), ...Counted.properties }) } } },
          async (request) => {
            const { room } = roomRequest(request);
            return { greeting: ctx.config.greeting, roomId: room.id, messages: await countOf(room.id) };
          },
        );
      },
    };
  },
});
