// The test-only unsafe LogStore: off unless the exact consent phrase is set, loud when on, and it
// really does acknowledge a sync whose writes a crash then loses (real files, real fsync).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeEntries } from '../../actors/storage/conformance.ts';
import { FileLogStore } from '../../infra/node/file-log-store.ts';
import {
  UNSAFE_ACK_BEFORE_FSYNC_CONSENT,
  UNSAFE_ACK_BEFORE_FSYNC_ENV,
  UnsafeAckBeforeFsyncStore,
  UnsafeModeMisconfiguredError,
  unsafeAckBeforeFsyncFromEnv,
} from '../../infra/node/unsafe-ack-before-fsync.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function openFresh(): Promise<{ dir: string; store: FileLogStore }> {
  const dir = await mkdtemp(join(tmpdir(), 'atlas-unsafe-'));
  dirs.push(dir);
  const store = await FileLogStore.open(dir, { log: () => undefined });
  await store.load();
  return { dir, store };
}

async function lastIndexAfterRestart(dir: string): Promise<number> {
  const reopened = await FileLogStore.open(dir, { log: () => undefined });
  const restored = await reopened.load();
  await reopened.abandon();
  return restored.entries.at(-1)?.index ?? 0;
}

describe('unsafeAckBeforeFsyncFromEnv', () => {
  it('leaves the store alone when the variable is unset or empty', async () => {
    const { store } = await openFresh();
    const warnings: string[] = [];
    expect(unsafeAckBeforeFsyncFromEnv(store, {}, (line) => warnings.push(line))).toBe(store);
    expect(unsafeAckBeforeFsyncFromEnv(store, { [UNSAFE_ACK_BEFORE_FSYNC_ENV]: '' }, (line) => warnings.push(line))).toBe(store);
    expect(warnings).toEqual([]);
    await store.abandon();
  });

  it.each(['1', 'true', 'yes', `${UNSAFE_ACK_BEFORE_FSYNC_CONSENT} `])('refuses to start for %j instead of enabling it', async (value) => {
    const { store } = await openFresh();
    expect(() => unsafeAckBeforeFsyncFromEnv(store, { [UNSAFE_ACK_BEFORE_FSYNC_ENV]: value }, () => undefined)).toThrow(UnsafeModeMisconfiguredError);
    await store.abandon();
  });

  it('wraps the store and warns loudly, once, with the consent phrase', async () => {
    const { store } = await openFresh();
    const warnings: string[] = [];
    const wrapped = unsafeAckBeforeFsyncFromEnv(store, { [UNSAFE_ACK_BEFORE_FSYNC_ENV]: UNSAFE_ACK_BEFORE_FSYNC_CONSENT }, (line) => warnings.push(line));
    expect(wrapped).toBeInstanceOf(UnsafeAckBeforeFsyncStore);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^!!! .*LOSES them on a crash/);
    await wrapped.close();
  });
});

describe('UnsafeAckBeforeFsyncStore', () => {
  it('acknowledges a sync whose entries a crash then loses; the safe store keeps them', async () => {
    const unsafe = await openFresh();
    const wrapped = new UnsafeAckBeforeFsyncStore(unsafe.store);
    wrapped.append(makeEntries(1, 50, 1));
    wrapped.setHardState({ term: 1, vote: 'r1', commit: 50 });
    await wrapped.sync();
    await unsafe.store.abandon(); // the process dies: unsynced writes are gone
    expect(await lastIndexAfterRestart(unsafe.dir)).toBe(0);

    const safe = await openFresh();
    safe.store.append(makeEntries(1, 50, 1));
    await safe.store.sync();
    await safe.store.abandon();
    expect(await lastIndexAfterRestart(safe.dir)).toBe(50);
  });

  it('makes everything durable on close', async () => {
    const { dir, store } = await openFresh();
    const wrapped = new UnsafeAckBeforeFsyncStore(store);
    wrapped.append(makeEntries(1, 10, 1));
    await wrapped.sync();
    wrapped.append(makeEntries(11, 20, 1));
    await wrapped.close();
    expect(await lastIndexAfterRestart(dir)).toBe(20);
  });
});
