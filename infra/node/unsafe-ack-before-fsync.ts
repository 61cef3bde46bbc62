// TEST-ONLY, UNSAFE: a LogStore wrapper that acknowledges `sync()` before anything is durable.
//
// It exists so the fault tests can prove that they detect lost acknowledged writes: a replica
// running it tells Raft its log is on disk while the writes still sit in memory, so a SIGKILL loses
// entries a majority already acknowledged. Never use it for anything else.
//
// Writes go to the wrapped store at once (which keeps them in memory until its own sync). `sync()`
// resolves immediately and only schedules a flush: the wrapped store's real sync runs
// LAZY_FLUSH_MS later, one at a time. Everything written since the last completed flush is lost
// when the process dies.
//
// It is enabled only by setting ATLAS_UNSAFE_ACK_BEFORE_FSYNC to the exact consent phrase below;
// any other non-empty value refuses to start, so a stray `=1` or `=true` cannot enable it silently.

import type { RestoredState, Entry, HardState, Snapshot } from '../../actors/raft/types.ts';
import type { LogStore } from '../../actors/storage/types.ts';

export const UNSAFE_ACK_BEFORE_FSYNC_ENV = 'ATLAS_UNSAFE_ACK_BEFORE_FSYNC';
export const UNSAFE_ACK_BEFORE_FSYNC_CONSENT = 'i-accept-losing-acknowledged-writes';
/** How long acknowledged writes stay only in memory before the real sync runs. */
export const LAZY_FLUSH_MS = 10_000;

/** The env var is set to something other than the consent phrase: a configuration mistake. */
export class UnsafeModeMisconfiguredError extends Error {
  override readonly name = 'UnsafeModeMisconfiguredError';
  constructor(value: string) {
    super(
      `${UNSAFE_ACK_BEFORE_FSYNC_ENV}=${JSON.stringify(value)} is not accepted: this test-only mode loses acknowledged writes ` +
        `on a crash and is enabled only by the exact value ${JSON.stringify(UNSAFE_ACK_BEFORE_FSYNC_CONSENT)}; unset it to run safely`,
    );
  }
}

/**
 * Returns `store` itself unless the environment asks for the unsafe mode with the consent phrase,
 * in which case it returns the unsafe wrapper and reports one loud warning line through `warn`.
 * Throws UnsafeModeMisconfiguredError for any other non-empty value.
 */
export function unsafeAckBeforeFsyncFromEnv(
  store: LogStore,
  env: Readonly<Record<string, string | undefined>>,
  warn: (line: string) => void,
): LogStore {
  const value = env[UNSAFE_ACK_BEFORE_FSYNC_ENV];
  if (value === undefined || value === '') return store;
  if (value !== UNSAFE_ACK_BEFORE_FSYNC_CONSENT) throw new UnsafeModeMisconfiguredError(value);
  warn(
    `!!! ${UNSAFE_ACK_BEFORE_FSYNC_ENV} is set: this replica ACKNOWLEDGES WRITES BEFORE THEY ARE ON DISK and ` +
      `LOSES them on a crash (flush every ${LAZY_FLUSH_MS} ms). Test-only; never run it with data you keep. !!!`,
  );
  return new UnsafeAckBeforeFsyncStore(store);
}

export class UnsafeAckBeforeFsyncStore implements LogStore {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #flushing: Promise<void> | null = null;
  #failure: unknown = null;

  constructor(private readonly inner: LogStore) {}

  load(): Promise<RestoredState> {
    return this.inner.load();
  }

  append(entries: readonly Entry[]): void {
    this.inner.append(entries);
  }

  setHardState(hardState: HardState): void {
    this.inner.setHardState(hardState);
  }

  saveSnapshot(snapshot: Snapshot): void {
    this.inner.saveSnapshot(snapshot);
  }

  /** Resolves at once (the unsafe part) and schedules the real sync. */
  async sync(): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    if (this.#timer === null) {
      this.#timer = setTimeout(() => this.#flush(), LAZY_FLUSH_MS);
      this.#timer.unref?.();
    }
  }

  sizeBytes(): { log: number; snapshot: number } {
    return this.inner.sizeBytes();
  }

  async close(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#flushing;
    await this.inner.close();
  }

  /** One real sync at a time; writes made while it runs are picked up by the next scheduled one. */
  #flush(): void {
    this.#timer = null;
    const previous = this.#flushing ?? Promise.resolve();
    this.#flushing = previous
      .then(() => this.inner.sync())
      .catch((error: unknown) => {
        this.#failure = error;
      });
  }
}
