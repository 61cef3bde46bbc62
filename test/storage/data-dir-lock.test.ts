// The data-directory claim (infra/node/data-dir-lock.ts) against real files and real processes: a
// live owner is refused, a dead owner's LOCK is replaced, release deletes only its own file.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../../infra/node/data-dir-lock.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lockPath = () => join(dir, LOCK_FILE);

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('lockDataDir', () => {
  it('writes this process id and refuses a second claim while held', async () => {
    const lock = await lockDataDir(dir);
    expect(readFileSync(lockPath(), 'utf8').trim()).toBe(String(process.pid));
    const refused = await lockDataDir(dir).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as DataDirLockedError).ownerPid).toBe(process.pid);
    await lock.release();
    expect(existsSync(lockPath())).toBe(false);
    const again = await lockDataDir(dir);
    await again.release();
  });

  it('refuses a directory whose LOCK names another live process, and names it', async () => {
    const owner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeFileSync(lockPath(), `${owner.pid}\n`);
      const refused = await lockDataDir(dir).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DataDirLockedError);
      expect((refused as Error).message).toContain(`in use by process ${owner.pid}`);
      expect((refused as Error).message).toContain(dir);
      // The owner's file is untouched.
      expect(readFileSync(lockPath(), 'utf8').trim()).toBe(String(owner.pid));
    } finally {
      owner.kill('SIGKILL');
    }
  });

  it('replaces the LOCK of a process that is gone, and one that holds no process id', async () => {
    for (const stale of [`${deadPid()}\n`, 'not a pid']) {
      writeFileSync(lockPath(), stale);
      const lock = await lockDataDir(dir);
      expect(readFileSync(lockPath(), 'utf8').trim()).toBe(String(process.pid));
      await lock.release();
    }
  });

  it('release leaves a LOCK that another process wrote since', async () => {
    const lock = await lockDataDir(dir);
    writeFileSync(lockPath(), '999999999\n');
    await lock.release();
    expect(readFileSync(lockPath(), 'utf8')).toBe('999999999\n');
  });
});
