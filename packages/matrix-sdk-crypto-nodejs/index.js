"use strict";
// Stand-in for the native bindings: matrix-bot-sdk imports these names at load time.
// Loading succeeds; any attempt to use encryption fails with a clear, coded error.

const CODE = "MIRAGE_CRYPTO_UNAVAILABLE";

class CryptoUnavailableError extends Error {
    constructor(what) {
        super(`End-to-end encryption is not available in this build of Mirage (${what} was called).`);
        this.name = "CryptoUnavailableError";
        this.code = CODE;
    }
}

function unavailable(name) {
    return class {
        constructor() {
            throw new CryptoUnavailableError(`new ${name}()`);
        }
        static initialize() {
            throw new CryptoUnavailableError(`${name}.initialize()`);
        }
    };
}

const Attachment = {
    encrypt() {
        throw new CryptoUnavailableError("Attachment.encrypt()");
    },
    decrypt() {
        throw new CryptoUnavailableError("Attachment.decrypt()");
    },
};

module.exports = {
    available: false,
    CODE,
    CryptoUnavailableError,
    Attachment,
    OlmMachine: unavailable("OlmMachine"),
    DeviceId: unavailable("DeviceId"),
    DeviceLists: unavailable("DeviceLists"),
    EncryptedAttachment: unavailable("EncryptedAttachment"),
    EncryptionSettings: unavailable("EncryptionSettings"),
    RoomId: unavailable("RoomId"),
    UserId: unavailable("UserId"),
    RequestType: Object.freeze({}),
    StoreType: Object.freeze({ Sled: 0, Sqlite: 1 }),
};
