// ActorStorage over an in-memory Map; backends persist the whole map in `sync()`.
// Values are copied with structuredClone on the way in and on the way out, so a caller mutating an
// object it stored or read never changes what is stored (as with Durable Object storage).

import type { ActorStorage, ActorStorageTxn } from './types.ts';

const DELETED = Symbol('deleted');
type Overlay = Map<string, unknown>;

export abstract class MapActorStorage implements ActorStorage {
  /** The current contents, including writes not yet synced. Values are private copies. */
  protected readonly entries: Map<string, unknown>;
  /** Bumped by every change; a backend persists when it differs from what it last wrote. */
  protected version = 0;

  protected constructor(initial: ReadonlyMap<string, unknown>) {
    this.entries = new Map(initial);
  }

  abstract sync(): Promise<void>;

  /** Hook for backends that must refuse use (a crashed or closed store). */
  protected checkUsable(): void {}

  async get<T = unknown>(key: string): Promise<T | undefined> {
    this.checkUsable();
    return this.read(key) as T | undefined;
  }

  async put<T = unknown>(key: string, value: T): Promise<void> {
    this.checkUsable();
    this.entries.set(key, structuredClone(value));
    this.version++;
  }

  async delete(key: string): Promise<boolean> {
    this.checkUsable();
    const existed = this.entries.delete(key);
    if (existed) this.version++;
    return existed;
  }

  /** Entries in ascending key order, optionally only keys starting with `prefix`. */
  async list<T = unknown>(options: { prefix?: string } = {}): Promise<Map<string, T>> {
    this.checkUsable();
    const prefix = options.prefix ?? '';
    const keys = [...this.entries.keys()].filter((key) => key.startsWith(prefix)).sort();
    return new Map(keys.map((key) => [key, this.read(key) as T]));
  }

  /** Runs `fn` against a private overlay; its writes apply all at once if `fn` resolves, none if it throws. */
  async transaction<R>(fn: (txn: ActorStorageTxn) => Promise<R>): Promise<R> {
    this.checkUsable();
    const overlay: Overlay = new Map();
    const txn: ActorStorageTxn = {
      get: async <T>(key: string): Promise<T | undefined> => {
        if (!overlay.has(key)) return this.read(key) as T | undefined;
        const value = overlay.get(key);
        return value === DELETED ? undefined : (structuredClone(value) as T);
      },
      put: async <T>(key: string, value: T): Promise<void> => {
        overlay.set(key, structuredClone(value));
      },
      delete: async (key: string): Promise<boolean> => {
        const existed = overlay.has(key) ? overlay.get(key) !== DELETED : this.entries.has(key);
        overlay.set(key, DELETED);
        return existed;
      },
    };
    const result = await fn(txn);
    this.checkUsable();
    for (const [key, value] of overlay) {
      if (value === DELETED) this.entries.delete(key);
      else this.entries.set(key, value);
    }
    if (overlay.size > 0) this.version++;
    return result;
  }

  private read(key: string): unknown {
    return this.entries.has(key) ? structuredClone(this.entries.get(key)) : undefined;
  }
}
