import type { OlmMachine } from "@matrix-org/matrix-sdk-crypto-nodejs";
import type { IStorageProvider, MatrixClient } from "@vector-im/matrix-bot-sdk";
import type { Logger } from "../../log/createLogger.js";
import { isTransientError } from "../isTransientError.js";

const V3 = "/_matrix/client/v3";

/** The crypto parts of a matrix-bot-sdk client this module reaches into. */
interface CryptoInternals {
  engine: { machine: OlmMachine };
}

/** The Olm machine behind a client whose crypto is prepared. */
export function machineOf(client: MatrixClient): OlmMachine {
  const crypto = client.crypto as unknown as CryptoInternals | undefined;
  if (!crypto?.engine) throw new Error("the client's crypto is not prepared");
  return crypto.engine.machine;
}

/**
 * Gives a user (the bot or a ghost) its own cross-signing identity — master, self-signing and
 * user-signing keys, kept privately in the device's encrypted crypto store — and signs the
 * device with it, so clients show no "unsigned device" warning. The homeserver takes a user's
 * first upload without interactive auth (MSC3967) and an appservice's always.
 */
export class CrossSigning {
  private refusedLogged = false;

  /**
   * `asUser(userId)`: a client acting for the user with the appservice token. The homeserver
   * lets an appservice replace a user's cross-signing keys without interactive auth; a device's
   * own access token (the bot's, from its login) could only make the first upload.
   */
  constructor(
    private readonly logger: Logger,
    private readonly asUser: (userId: string) => MatrixClient,
  ) {}

  /**
   * Publishes the identity and the device signature unless `storage` records it was done for
   * this device. A refusal is logged loudly once per process; the device then works unsigned
   * and the next opening tries again.
   */
  async ensure(client: MatrixClient, userId: string, deviceId: string, storage: IStorageProvider): Promise<boolean> {
    const marker = `cross-signed:${deviceId}`;
    if ((await storage.readValue(marker)) === "1") return true;
    const machine = machineOf(client);
    try {
      // `false`: an identity created earlier (whose upload failed) is reused, not replaced.
      const requests = await machine.bootstrapCrossSigning(false);
      if (requests.uploadKeysRequest) {
        const { id, type, body } = requests.uploadKeysRequest;
        const answer = await client.doRequest("POST", `${V3}/keys/upload`, null, JSON.parse(body));
        await machine.markRequestAsSent(id, type, JSON.stringify(answer));
      }
      const appservice = this.asUser(userId);
      await appservice.doRequest("POST", `${V3}/keys/device_signing/upload`, null, JSON.parse(requests.uploadSigningKeysBody));
      const answer = (await appservice.doRequest("POST", `${V3}/keys/signatures/upload`, null, JSON.parse(requests.uploadSignaturesBody))) as {
        failures?: Record<string, unknown>;
      };
      if (answer?.failures && Object.keys(answer.failures).length > 0) {
        throw Object.assign(new Error("the homeserver refused the device signature"), { failures: Object.keys(answer.failures) });
      }
    } catch (error) {
      const fields = { userId, deviceId, err: error };
      if (isTransientError(error)) {
        this.logger.warn(fields, "cross-signing postponed: the homeserver is unavailable");
        return false;
      }
      if (this.refusedLogged) this.logger.debug(fields, "cross-signing refused");
      else {
        this.refusedLogged = true;
        this.logger.error(
          fields,
          "the homeserver refused cross-signing keys or signatures: devices stay unsigned and clients show an \"unsigned device\" warning (see the README, Encryption)",
        );
      }
      return false;
    }
    await storage.storeValue(marker, "1");
    this.logger.info({ userId, deviceId }, "cross-signed device");
    return true;
  }
}
