// The data-directory claim (infra/node/data-dir-lock.ts) against real files and real processes: a
// live owner is refused, a dead owner's LOCK is replaced (also when its pid now runs another process,
// this one included), an owner in another pid namespace counts while it refreshes the file, release
// deletes only its own file, and of two claims racing for a stale LOCK exactly one wins.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DataDirLockedError,
  HEARTBEAT_MS,
  LOCK_FILE,
  STALE_AFTER_MS,
  TAKEOVER_FILE,
  TAKEOVER_STALE_MS,
  lockDataDir,
  processIdentity,
} from '../../infra/node/data-dir-lock.ts';
import type { ProcessIdentity } from '../../infra/node/data-dir-lock.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lockPath = () => join(dir, LOCK_FILE);
/** The process id a LOCK file names. */
const lockPid = () => readFileSync(lockPath(), 'utf8').trim().split(' ')[0];

function lockLine(pid: number, id: ProcessIdentity): string {
  return `${pid} ${id.bootId} ${id.pidNamespace} ${id.startTicks}\n`;
}

function myIdentity(): ProcessIdentity {
  const id = processIdentity(process.pid);
  if (id === null) throw new Error('this host exposes no process identity (/proc)');
  return id;
}

function sleepingChild() {
  return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('lockDataDir', () => {
  it('writes this process id and refuses a second claim while held', async () => {
    const lock = await lockDataDir(dir);
    expect(readFileSync(lockPath(), 'utf8')).toBe(lockLine(process.pid, myIdentity()));
    const refused = await lockDataDir(dir).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as DataDirLockedError).ownerPid).toBe(process.pid);
    await lock.release();
    expect(existsSync(lockPath())).toBe(false);
    const again = await lockDataDir(dir);
    await again.release();
  });

  it('refuses a directory whose LOCK (pid only, as hosts without /proc write) names a live process', async () => {
    const owner = sleepingChild();
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
      expect(lockPid()).toBe(String(process.pid));
      await lock.release();
    }
  });

  it('of two claims made at once on a stale LOCK, exactly one wins (200 rounds)', async () => {
    const [a, b] = [sleepingChild(), sleepingChild()];
    try {
      const dead = deadPid();
      const outcomes: string[] = [];
      for (let round = 0; round < 200; round++) {
        writeFileSync(lockPath(), `${dead}\n`);
        const claims = await Promise.allSettled([lockDataDir(dir, a.pid!), lockDataDir(dir, b.pid!)]);
        const won = claims.filter((c) => c.status === 'fulfilled').length;
        for (const c of claims) if (c.status === 'rejected') expect(c.reason).toBeInstanceOf(DataDirLockedError);
        outcomes.push(`${won}`);
        for (const c of claims) if (c.status === 'fulfilled') await c.value.release();
        expect(existsSync(join(dir, TAKEOVER_FILE))).toBe(false);
      }
      expect(outcomes.filter((won) => won !== '1')).toEqual([]);
    } finally {
      a.kill('SIGKILL');
      b.kill('SIGKILL');
    }
  });

  it('removes a takeover token left by a claimer that died during its takeover', async () => {
    writeFileSync(lockPath(), `${deadPid()}\n`);
    const token = join(dir, TAKEOVER_FILE);
    writeFileSync(token, `${deadPid()}\n`);
    const old = new Date(Date.now() - TAKEOVER_STALE_MS - 1_000);
    utimesSync(token, old, old);
    const lock = await lockDataDir(dir);
    expect(lockPid()).toBe(String(process.pid));
    expect(existsSync(token)).toBe(false);
    await lock.release();
  });

  it('refuses an owner that still runs as the process its LOCK names', async () => {
    const owner = sleepingChild();
    try {
      const id = processIdentity(owner.pid!);
      expect(id).not.toBeNull();
      writeFileSync(lockPath(), lockLine(owner.pid!, id!));
      const refused = await lockDataDir(dir).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DataDirLockedError);
      expect((refused as DataDirLockedError).ownerPid).toBe(owner.pid);
    } finally {
      owner.kill('SIGKILL');
    }
  });

  it('replaces a LOCK whose pid now runs another process, this one included', async () => {
    const owner = sleepingChild();
    try {
      const id = processIdentity(owner.pid!)!;
      const earlierRun = { ...id, startTicks: String(Number(id.startTicks) - 1) };
      const mine = myIdentity();
      // A restarted container runs the replica under the pid of the one that crashed.
      for (const stale of [lockLine(owner.pid!, earlierRun), lockLine(process.pid, { ...mine, startTicks: '1' })]) {
        writeFileSync(lockPath(), stale);
        const lock = await lockDataDir(dir);
        expect(readFileSync(lockPath(), 'utf8')).toBe(lockLine(process.pid, mine));
        await lock.release();
      }
    } finally {
      owner.kill('SIGKILL');
    }
  });

  it('replaces a LOCK written during another boot', async () => {
    writeFileSync(lockPath(), lockLine(process.pid, { ...myIdentity(), bootId: 'an-earlier-boot' }));
    const lock = await lockDataDir(dir);
    expect(readFileSync(lockPath(), 'utf8')).toBe(lockLine(process.pid, myIdentity()));
    await lock.release();
  });

  it('counts an owner in another pid namespace as running until its LOCK goes unrefreshed', async () => {
    const foreign = lockLine(1, { ...myIdentity(), pidNamespace: 'pid:[1]' });
    writeFileSync(lockPath(), foreign);
    const refused = await lockDataDir(dir).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect(readFileSync(lockPath(), 'utf8')).toBe(foreign);
    const old = new Date(Date.now() - STALE_AFTER_MS - 1_000);
    utimesSync(lockPath(), old, old);
    const lock = await lockDataDir(dir);
    expect(lockPid()).toBe(String(process.pid));
    await lock.release();
  });

  it('a holder refreshes its LOCK', async () => {
    const lock = await lockDataDir(dir);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath(), old, old);
    await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS + 500));
    expect(statSync(lockPath()).mtimeMs).toBeGreaterThan(Date.now() - HEARTBEAT_MS - 1_000);
    await lock.release();
  });

  it('release leaves a LOCK that another process wrote since', async () => {
    const lock = await lockDataDir(dir);
    writeFileSync(lockPath(), '999999999\n');
    await lock.release();
    expect(readFileSync(lockPath(), 'utf8')).toBe('999999999\n');
  });
});
