// The subset of the nodejs bindings' API that matrix-bot-sdk uses, plus Mirage's controls.
import type * as wasm from "@matrix-org/matrix-sdk-crypto-wasm";

/** True: a crypto engine backs this package. */
export declare const available: true;
/** Sets the passphrase protecting every crypto store (used when a caller passes none). */
export declare function configure(options: { passphrase?: string }): void;
/** Resolves when the state of every open machine is durable on disk. */
export declare function flushAll(): Promise<void>;
/** How many durable stores are open (one per machine in use). */
export declare function openStoreCount(): number;
/** Closes every durable store; call after the machines are closed. */
export declare function closeAll(): Promise<void>;

export declare class EncryptionSettings {
  algorithm: number | undefined;
  historyVisibility: number;
  rotationPeriod: bigint;
  rotationPeriodMessages: bigint;
}

export declare class OlmMachine {
  static initialize(userId: wasm.UserId, deviceId: wasm.DeviceId, storePath: string, passphrase?: string, storeType?: number): Promise<OlmMachine>;
  readonly userId: wasm.UserId;
  readonly deviceId: wasm.DeviceId;
  readonly identityKeys: wasm.IdentityKeys;
  flush(): Promise<void>;
  outgoingRequests(): Promise<Array<{ id: string; type: number; body: string; eventType?: string; txnId?: string }>>;
  markRequestAsSent(requestId: string, requestType: number, response: string): Promise<unknown>;
  /** `oneTimeKeyCounts`: the server's counts for this device (a missing algorithm has zero); null or undefined when unknown. */
  receiveSyncChanges(toDeviceEvents: string, changedDevices: wasm.DeviceLists, oneTimeKeyCounts: Record<string, number> | null | undefined, unusedFallbackKeys?: string[]): Promise<string>;
  updateTrackedUsers(users: wasm.UserId[]): Promise<void>;
  getMissingSessions(users: wasm.UserId[]): Promise<wasm.KeysClaimRequest | null>;
  shareRoomKey(roomId: wasm.RoomId, users: wasm.UserId[], settings: EncryptionSettings): Promise<Array<{ id: string; type: number; eventType: string; txnId: string; body: string }>>;
  encryptRoomEvent(roomId: wasm.RoomId, eventType: string, content: string): Promise<string>;
  decryptRoomEvent(event: string, roomId: wasm.RoomId): Promise<wasm.DecryptedRoomEvent>;
  sign(message: string): Promise<{ get(userId: wasm.UserId): Record<string, { isValid: boolean; signature: { toBase64(): string } | undefined }> }>;
  enableBackupV1(publicKey: string, version: string): Promise<void>;
  disableBackup(): Promise<void>;
  backupRoomKeys(): Promise<wasm.KeysBackupRequest | undefined>;
  exportRoomKeysForSession(roomId: string, sessionId: string): Promise<string>;
  crossSigningStatus(): Promise<{ hasMaster: boolean; hasSelfSigning: boolean; hasUserSigning: boolean }>;
  bootstrapCrossSigning(reset: boolean): Promise<{
    uploadKeysRequest: { id: string; type: number; body: string } | undefined;
    uploadSigningKeysBody: string;
    uploadSignaturesBody: string;
  }>;
  markAllTrackedUsersAsDirty(): Promise<void>;
  close(): void;
  /** Closes the machine, then writes out and closes its durable store. */
  shutdown(): Promise<void>;
}

export declare const UserId: typeof wasm.UserId;
export declare const DeviceId: typeof wasm.DeviceId;
export declare const RoomId: typeof wasm.RoomId;
export declare const DeviceLists: typeof wasm.DeviceLists;
export declare const Attachment: typeof wasm.Attachment;
export declare const EncryptedAttachment: typeof wasm.EncryptedAttachment;
export declare const EncryptionAlgorithm: typeof wasm.EncryptionAlgorithm;
export declare const HistoryVisibility: typeof wasm.HistoryVisibility;
export declare const RequestType: typeof wasm.RequestType;
export declare const StoreType: Readonly<{ Sled: number; Sqlite: number }>;
