import { definePlugin } from "../../src/plugins/pluginApi.js";
import { callCommands } from "./callCommands.js";
import { callRoutes } from "./callRoutes.js";
import { jitsiConfigSchema } from "./jitsiConfigSchema.js";
import { JitsiCalls } from "./JitsiCalls.js";

/** Jitsi calls in rooms: `!call` and the web's `/rooms/{roomId}/call` add Element's Jitsi widget. */
export default definePlugin({
  manifest: { id: "jitsi", version: "0.1.0", description: "Jitsi calls in rooms: an Element-compatible widget, a pinned layout and the meeting link." },
  configSchema: jitsiConfigSchema,
  start(ctx) {
    const calls = new JitsiCalls(ctx);
    ctx.onMatrixEvent((event) => calls.observe(event));
    return {
      commands: callCommands(calls, { jwt: calls.needsTokens }),
      roomRoutes: callRoutes(calls, { homeserverDomain: ctx.homeserverDomain, wrapperUrl: ctx.config.widgetWrapperUrl, errors: ctx.web.errors }),
    };
  },
});
