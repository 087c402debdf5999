/** True once a real crypto engine backs this package. */
export declare const available: boolean;
/** Stable error code thrown by every crypto entry point while unavailable. */
export declare const CODE: "MIRAGE_CRYPTO_UNAVAILABLE";
export declare class CryptoUnavailableError extends Error {
    readonly code: "MIRAGE_CRYPTO_UNAVAILABLE";
}
export declare const Attachment: { encrypt(...args: unknown[]): never; decrypt(...args: unknown[]): never };
export declare class OlmMachine { static initialize(...args: unknown[]): never }
export declare class DeviceId {}
export declare class DeviceLists {}
export declare class EncryptedAttachment {}
export declare class EncryptionSettings {}
export declare class RoomId {}
export declare class UserId {}
export declare const RequestType: Readonly<Record<string, number>>;
export declare const StoreType: Readonly<{ Sled: number; Sqlite: number }>;
