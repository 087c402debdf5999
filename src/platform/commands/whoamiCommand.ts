import type { Command } from "./Command.js";

export interface DeviceIdentitySource {
  /** Undefined while encryption is off or the device is not set up yet. */
  botIdentity(): { userId: string; deviceId: string; ed25519: string } | undefined;
}

/** Element shows Ed25519 keys in groups of four characters; match it for manual comparison. */
export function formatFingerprint(key: string): string {
  return key.match(/.{1,4}/g)?.join(" ") ?? key;
}

/** `!mirage whoami`: the bot's device and fingerprint, for verifying it by hand. */
export function whoamiCommand(source: DeviceIdentitySource): Command {
  return {
    name: "mirage whoami",
    summary: "show the bot's device ID and Ed25519 fingerprint",
    permission: "anyone",
    run(ctx) {
      const identity = source.botIdentity();
      if (!identity) {
        ctx.reply("End-to-bridge encryption is not enabled on this bridge, so I have no device keys.");
        return;
      }
      const fingerprint = formatFingerprint(identity.ed25519);
      ctx.reply(
        `I am ${identity.userId}, device ${identity.deviceId}.\nEd25519 fingerprint: ${fingerprint}`,
        `<p>I am <code>${identity.userId}</code>, device <code>${identity.deviceId}</code>.</p>` +
          `<p>Ed25519 fingerprint: <code>${fingerprint}</code></p>`,
      );
    },
  };
}
