import { createHmac } from "node:crypto";

/** Who a token lets into the call: shown by Jitsi as the participant. */
export interface JitsiTokenUser {
  id: string;
  name: string;
  avatar?: string;
}

/**
 * An HS256 JWT for a Jitsi server with token authentication (prosody `token` auth): valid for one
 * conference (`room`), one member (`context.user`) and `seconds` from `now`. Jitsi checks
 * `iss` (its app_id), `aud`, `sub` (its domain), `room` and `exp` when the member joins.
 */
export function mintJitsiToken(input: {
  appId: string;
  secret: string;
  audience: string;
  domain: string;
  conferenceId: string;
  user: JitsiTokenUser;
  seconds: number;
  now: number;
}): string {
  const iat = Math.floor(input.now / 1000);
  const header = { alg: "HS256", typ: "JWT" };
  const payload = {
    aud: input.audience,
    iss: input.appId,
    sub: input.domain,
    room: input.conferenceId,
    iat,
    nbf: iat - 10,
    exp: iat + input.seconds,
    context: { user: input.user },
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = createHmac("sha256", input.secret).update(signingInput).digest("base64url");
  return `${signingInput}.${signature}`;
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}
