import type { IAppserviceStorageProvider } from "@vector-im/matrix-bot-sdk";
import type { KeyValueStore } from "../platform/ports/KeyValueStore.js";

/**
 * matrix-bot-sdk's appservice storage over Mirage's key-value port, so the set of
 * registered ghosts survives restarts. Transactions are tracked by Mirage's inbox instead.
 */
export class AppserviceStorageAdapter implements IAppserviceStorageProvider {
  constructor(private readonly kv: KeyValueStore) {}

  async addRegisteredUser(userId: string): Promise<void> {
    await this.kv.put(`registered-user:${userId}`, "1");
  }

  async isUserRegistered(userId: string): Promise<boolean> {
    return (await this.kv.get(`registered-user:${userId}`)) !== undefined;
  }

  async setTransactionCompleted(transactionId: string): Promise<void> {
    await this.kv.put(`sdk-txn:${transactionId}`, "1");
  }

  async isTransactionCompleted(transactionId: string): Promise<boolean> {
    return (await this.kv.get(`sdk-txn:${transactionId}`)) !== undefined;
  }
}
