import { type Static, Type } from "@sinclair/typebox";

/** The `jitsi` plugin's config (`plugins: [{id: jitsi, config: …}]`). */
export const jitsiConfigSchema = Type.Object(
  {
    domain: Type.String({
      default: "meet.jit.si",
      minLength: 1,
      pattern: "^[A-Za-z0-9.-]+(:[0-9]{1,5})?$",
      description: "The Jitsi Meet server calls take place on (host name, optionally with a port).",
    }),
    widgetWrapperUrl: Type.String({
      default: "https://app.element.io/jitsi.html",
      pattern: "^https://",
      description:
        "The page Matrix clients load as the call widget: Element's Jitsi wrapper (it reads the conference from the URL fragment). Element Web and Desktop render Jitsi widgets with their own copy of it.",
    }),
    appId: Type.Optional(
      Type.String({
        minLength: 1,
        description: "JWT-authenticated rooms, with appSecret: the Jitsi server's `app_id` (the tokens' `iss`). Each member then gets their own short-lived token, so only room members can enter.",
      }),
    ),
    appSecret: Type.Optional(
      Type.String({ minLength: 16, description: "The Jitsi server's `app_secret`, the tokens' HS256 key (with appId). Best set as MIRAGE_PLUGINS_JITSI_APP_SECRET." }),
    ),
    tokenAudience: Type.String({ default: "jitsi", minLength: 1, description: "The tokens' `aud`, as the Jitsi server's accepted audiences say." }),
    tokenSeconds: Type.Integer({ default: 600, minimum: 30, maximum: 86_400, description: "How long a minted token lets its member enter the call." }),
  },
  { additionalProperties: false },
);

export type JitsiConfig = Static<typeof jitsiConfigSchema>;

/** The token settings when the server authenticates with JWTs; throws when only half of them is set. */
export function jwtSettings(config: JitsiConfig): { appId: string; secret: string; audience: string; seconds: number } | undefined {
  if (config.appId === undefined && config.appSecret === undefined) return undefined;
  if (config.appId === undefined || config.appSecret === undefined) throw new Error("appId and appSecret go together: set both for JWT-authenticated rooms, or neither");
  return { appId: config.appId, secret: config.appSecret, audience: config.tokenAudience, seconds: config.tokenSeconds };
}
