// A durable IndexedDB for Node: fake-indexeddb in memory, every committed transaction mirrored to level.
//
// The IDB* interfaces below are the subset of the IndexedDB API that fake-indexeddb implements,
// declared here because the project compiles without the DOM library (adding it would change
// the types of Node globals such as fetch for the whole program).

export type IDBValidKey = number | string | Date | ArrayBuffer | ArrayBufferView | IDBValidKey[];
export type IDBTransactionMode = "readonly" | "readwrite" | "versionchange";
export type IDBCursorDirection = "next" | "nextunique" | "prev" | "prevunique";
export type IDBQuery = IDBValidKey | IDBKeyRange;
type Handler<This, E = Event> = ((this: This, event: E) => unknown) | null;

export interface IDBStringList extends Iterable<string> {
  readonly length: number;
  contains(name: string): boolean;
  item(index: number): string | null;
  [index: number]: string;
}

export interface IDBVersionChangeEvent extends Event {
  readonly oldVersion: number;
  readonly newVersion: number | null;
}

export interface IDBRequest<T = unknown> extends EventTarget {
  readonly result: T;
  readonly error: DOMException | null;
  readonly readyState: "pending" | "done";
  readonly source: IDBObjectStore | IDBIndex | IDBCursor | null;
  readonly transaction: IDBTransaction | null;
  onsuccess: Handler<IDBRequest<T>>;
  onerror: Handler<IDBRequest<T>>;
}

export interface IDBOpenDBRequest extends IDBRequest<IDBDatabase> {
  onupgradeneeded: Handler<IDBOpenDBRequest, IDBVersionChangeEvent>;
  onblocked: Handler<IDBOpenDBRequest, IDBVersionChangeEvent>;
}

export interface IDBFactory {
  open(name: string, version?: number): IDBOpenDBRequest;
  deleteDatabase(name: string): IDBOpenDBRequest;
  databases(): Promise<Array<{ name: string; version: number }>>;
  cmp(first: unknown, second: unknown): number;
}

export interface IDBDatabase extends EventTarget {
  readonly name: string;
  readonly version: number;
  readonly objectStoreNames: IDBStringList;
  createObjectStore(name: string, options?: { keyPath?: string | string[] | null; autoIncrement?: boolean }): IDBObjectStore;
  deleteObjectStore(name: string): void;
  transaction(storeNames: string | string[], mode?: IDBTransactionMode, options?: { durability?: "default" | "strict" | "relaxed" }): IDBTransaction;
  close(): void;
  onabort: Handler<IDBDatabase>;
  onclose: Handler<IDBDatabase>;
  onerror: Handler<IDBDatabase>;
  onversionchange: Handler<IDBDatabase, IDBVersionChangeEvent>;
}

export interface IDBTransaction extends EventTarget {
  readonly db: IDBDatabase;
  readonly mode: IDBTransactionMode;
  readonly durability: "default" | "strict" | "relaxed";
  readonly error: DOMException | null;
  readonly objectStoreNames: IDBStringList;
  objectStore(name: string): IDBObjectStore;
  abort(): void;
  commit(): void;
  oncomplete: Handler<IDBTransaction>;
  onabort: Handler<IDBTransaction>;
  onerror: Handler<IDBTransaction>;
}

interface IDBReadable {
  count(query?: IDBQuery | null): IDBRequest<number>;
  get(query: IDBQuery): IDBRequest<any>;
  getAll(query?: IDBQuery | null, count?: number): IDBRequest<any[]>;
  getAllKeys(query?: IDBQuery | null, count?: number): IDBRequest<IDBValidKey[]>;
  getKey(query: IDBQuery): IDBRequest<IDBValidKey | undefined>;
  openCursor(query?: IDBQuery | null, direction?: IDBCursorDirection): IDBRequest<IDBCursorWithValue | null>;
  openKeyCursor(query?: IDBQuery | null, direction?: IDBCursorDirection): IDBRequest<IDBCursor | null>;
}

export interface IDBObjectStore extends IDBReadable {
  name: string;
  readonly keyPath: string | string[] | null;
  readonly autoIncrement: boolean;
  readonly indexNames: IDBStringList;
  readonly transaction: IDBTransaction;
  add(value: unknown, key?: IDBValidKey): IDBRequest<IDBValidKey>;
  put(value: unknown, key?: IDBValidKey): IDBRequest<IDBValidKey>;
  delete(query: IDBQuery): IDBRequest<undefined>;
  clear(): IDBRequest<undefined>;
  index(name: string): IDBIndex;
  createIndex(name: string, keyPath: string | string[], options?: { unique?: boolean; multiEntry?: boolean }): IDBIndex;
  deleteIndex(name: string): void;
}

export interface IDBIndex extends IDBReadable {
  name: string;
  readonly objectStore: IDBObjectStore;
  readonly keyPath: string | string[];
  readonly unique: boolean;
  readonly multiEntry: boolean;
}

export interface IDBCursor {
  readonly source: IDBObjectStore | IDBIndex;
  readonly direction: IDBCursorDirection;
  readonly key: IDBValidKey;
  readonly primaryKey: IDBValidKey;
  readonly request: IDBRequest;
  advance(count: number): void;
  continue(key?: IDBValidKey): void;
  continuePrimaryKey(key: IDBValidKey, primaryKey: IDBValidKey): void;
  update(value: unknown): IDBRequest<IDBValidKey>;
  delete(): IDBRequest<undefined>;
}

export interface IDBCursorWithValue extends IDBCursor {
  readonly value: any;
}

export interface IDBKeyRange {
  readonly lower: any;
  readonly upper: any;
  readonly lowerOpen: boolean;
  readonly upperOpen: boolean;
  includes(key: unknown): boolean;
}

export interface IDBKeyRangeConstructor {
  readonly prototype: IDBKeyRange;
  bound(lower: unknown, upper: unknown, lowerOpen?: boolean, upperOpen?: boolean): IDBKeyRange;
  lowerBound(lower: unknown, open?: boolean): IDBKeyRange;
  upperBound(upper: unknown, open?: boolean): IDBKeyRange;
  only(value: unknown): IDBKeyRange;
}

export interface DurableIndexedDBOptions {
  /** Called once with the first write error; from then on every flush() rejects with it. */
  onError?: (error: Error) => void;
  /** fsync every level batch: survives power loss, not only a killed process. Default false. */
  sync?: boolean;
}

export interface DurableIndexedDB {
  /** An IDBFactory (plus IDBKeyRange etc.) to hand to code that expects `indexedDB`. */
  indexedDB: IDBFactory;
  IDBKeyRange: IDBKeyRangeConstructor;
  /** What opening replayed from level, and how long it took. */
  readonly replay: { databases: number; records: number; ms: number };
  /** Transactions written to level so far, and the level batches that held them. */
  readonly written: { transactions: number; batches: number };
  /** Resolves when every transaction committed so far is durable in level. Callers await this before acknowledging work. */
  flush(): Promise<void>;
  /** Flushes, then closes level; a transaction committing afterwards is reported as an error. */
  close(): Promise<void>;
}

/** Opens (creating) the level database at `dir`, replays everything into a fresh fake-indexeddb factory, and from then on mirrors every committed IDB transaction into level. */
export function openDurableIndexedDB(dir: string, options?: DurableIndexedDBOptions): Promise<DurableIndexedDB>;

/** Installs the factory and the IDB* globals on globalThis (indexedDB, IDBKeyRange, IDBDatabase, IDBTransaction, IDBObjectStore, IDBIndex, IDBCursor, IDBRequest, IDBOpenDBRequest, IDBVersionChangeEvent, IDBCursorWithValue...) for libraries that read globals. Returns a function restoring the previous globals. */
export function installIndexedDBGlobals(db: DurableIndexedDB): () => void;
