// The parts of the Cloudflare Workers runtime (workerd) that Atlas uses, typed by hand so the Worker
// needs no extra type package. Names and shapes follow the runtime's own API; only what Atlas calls
// is declared.

/** A value in or out of a Durable Object SQL statement. BLOBs come back as ArrayBuffer. */
export type SqlValue = ArrayBuffer | string | number | null;

export interface SqlCursor<Row extends Record<string, SqlValue>> extends Iterable<Row> {
  toArray(): Row[];
  one(): Row;
  readonly rowsRead: number;
  readonly rowsWritten: number;
}

/** `ctx.storage.sql`: the object's private SQLite database. Statements run synchronously. */
export interface SqlStorage {
  exec<Row extends Record<string, SqlValue> = Record<string, SqlValue>>(query: string, ...bindings: unknown[]): SqlCursor<Row>;
  /** Size of the database file in bytes. */
  readonly databaseSize: number;
}

/**
 * `ctx.storage` of a SQLite-backed Durable Object. Writes made without an intervening await form one
 * atomic implicit transaction; `sync()` resolves once every write made so far is durable.
 */
export interface DurableObjectStorage {
  readonly sql: SqlStorage;
  get<T = unknown>(key: string): Promise<T | undefined>;
  put<T = unknown>(key: string, value: T): Promise<void>;
  delete(key: string): Promise<boolean>;
  deleteAll(): Promise<void>;
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTimeMs: number | Date): Promise<void>;
  deleteAlarm(): Promise<void>;
  transactionSync<T>(fn: () => T): T;
  sync(): Promise<void>;
}

export interface DurableObjectId {
  toString(): string;
  readonly name?: string;
}

export interface DurableObjectState {
  readonly id: DurableObjectId;
  readonly storage: DurableObjectStorage;
  waitUntil(promise: Promise<unknown>): void;
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
  /** Resets the object: in-memory state is dropped, the next event constructs it anew from storage. */
  abort(reason?: string): void;
}

export interface DurableObjectStub {
  fetch(input: string | Request, init?: RequestInit): Promise<Response>;
}

export interface DurableObjectNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): DurableObjectStub;
}

export interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
}

export interface ScheduledController {
  readonly scheduledTime: number;
  readonly cron: string;
}
