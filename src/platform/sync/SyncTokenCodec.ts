import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { invalidSyncToken } from "./invalidSyncToken.js";

const VERSION = 1;
const EPOCH_BYTES = 8;
const MAC_BYTES = 16;
const BODY_BYTES = 1 + EPOCH_BYTES + 8;
const TOKEN_BYTES = BODY_BYTES + MAC_BYTES;
const TWO_POW_32 = 2 ** 32;

/**
 * Turns sequence numbers into opaque sync tokens and back, for one process.
 *
 * A token is base64url(version ‖ epoch ‖ seq ‖ HMAC-SHA256(key, version ‖ epoch ‖ seq)[0..16]).
 * Epoch and key are random per instance: sequence numbers restart with the process, so a token
 * can never be valid in another one, and a persistent secret would add nothing. The epoch lets
 * a token from a previous process be told apart from a tampered one (for logs only; both are
 * refused the same way). The MAC means a client cannot make up positions it was never given.
 */
export class SyncTokenCodec {
  private readonly epoch: Buffer;
  private readonly key: Buffer;
  private lastSeq = -1;
  private lastToken = "";

  constructor() {
    this.epoch = randomBytes(EPOCH_BYTES);
    this.key = randomBytes(32);
  }

  /** The token for `seq`. Cheap when asked for the same seq repeatedly (the common case: "now"). */
  encode(seq: number): string {
    if (seq === this.lastSeq) return this.lastToken;
    const bytes = Buffer.allocUnsafe(TOKEN_BYTES);
    bytes[0] = VERSION;
    this.epoch.copy(bytes, 1);
    bytes.writeUInt32BE(Math.floor(seq / TWO_POW_32), 1 + EPOCH_BYTES);
    bytes.writeUInt32BE(seq % TWO_POW_32, 1 + EPOCH_BYTES + 4);
    this.mac(bytes.subarray(0, BODY_BYTES)).copy(bytes, BODY_BYTES);
    this.lastSeq = seq;
    this.lastToken = bytes.toString("base64url");
    return this.lastToken;
  }

  /**
   * The seq a token of this instance stands for.
   * @throws MirageError `INVALID_INPUT` (see invalidSyncToken) when it is not one.
   */
  decode(token: string): number {
    if (token === this.lastToken && this.lastSeq >= 0) return this.lastSeq;
    if (token.length !== Math.ceil((TOKEN_BYTES * 4) / 3) || !/^[A-Za-z0-9_-]+$/.test(token)) {
      throw invalidSyncToken("malformed");
    }
    const bytes = Buffer.from(token, "base64url");
    if (bytes.length !== TOKEN_BYTES || bytes[0] !== VERSION) throw invalidSyncToken("malformed");
    if (!bytes.subarray(1, 1 + EPOCH_BYTES).equals(this.epoch)) throw invalidSyncToken("previous-instance");
    if (!timingSafeEqual(bytes.subarray(BODY_BYTES), this.mac(bytes.subarray(0, BODY_BYTES)))) {
      throw invalidSyncToken("forged");
    }
    const seq = bytes.readUInt32BE(1 + EPOCH_BYTES) * TWO_POW_32 + bytes.readUInt32BE(1 + EPOCH_BYTES + 4);
    if (!Number.isSafeInteger(seq)) throw invalidSyncToken("malformed");
    return seq;
  }

  private mac(body: Buffer): Buffer {
    return createHmac("sha256", this.key).update(body).digest().subarray(0, MAC_BYTES);
  }
}
