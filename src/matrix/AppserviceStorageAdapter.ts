import type { IAppserviceStorageProvider, IFilterInfo, IStorageProvider } from "@vector-im/matrix-bot-sdk";
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

  /** Per-user values the SDK keeps, such as the access token of a device it logged in. */
  storageForUser(userId: string): IStorageProvider {
    const kv = this.kv;
    const key = (name: string) => `user:${userId}:${name}`;
    return {
      setSyncToken: (token: string | null) => (token === null ? kv.delete(key("sync")) : kv.put(key("sync"), token)),
      getSyncToken: async () => (await kv.get(key("sync"))) ?? null,
      setFilter: (filter: IFilterInfo) => kv.put(key("filter"), JSON.stringify(filter)),
      getFilter: async () => JSON.parse((await kv.get(key("filter"))) ?? "null") as IFilterInfo,
      storeValue: (name: string, value: string) => kv.put(key(`value:${name}`), value),
      readValue: (name: string) => kv.get(key(`value:${name}`)),
    };
  }
}
