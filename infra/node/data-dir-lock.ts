// An exclusive claim on a replica's data directory, so two replica processes never write one log.
//
// `<dir>/LOCK` holds the owner's process id. Claiming creates it exclusively; when it already exists
// and names a process that is alive, the claim is refused; when that process is gone (the replica
// crashed or was killed), the stale file is replaced. Releasing deletes the file if it is still ours.
//
// Limits: a process id reused by an unrelated live process after a reboot makes the claim fail with
// the stale owner's id in the message (delete the LOCK file); two replicas started on one directory
// in the same instant, just after its owner crashed, can both replace the stale file.

import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE = 'LOCK';

/** Another live process holds the data directory. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dir: string,
    readonly ownerPid: number,
  ) {
    super(
      `data directory ${dir} is in use by process ${ownerPid} (see ${join(dir, LOCK_FILE)}); ` +
        'stop that replica first, or delete the LOCK file if no replica runs there',
    );
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Deletes the LOCK file unless another process replaced it. Safe to call more than once. */
  release(): Promise<void>;
}

/** Claims `dir` (which must exist) for this process. Throws DataDirLockedError when it is held. */
export async function lockDataDir(dir: string, pid: number = process.pid): Promise<DataDirLock> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await tryCreate(path, pid)) return lockAt(path, pid);
    const owner = await readOwner(path);
    if (owner !== null && owner !== pid && isAlive(owner)) throw new DataDirLockedError(dir, owner);
    if (owner === pid) throw new DataDirLockedError(dir, owner);
    // Stale (its process is gone) or unreadable: replace it.
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  const owner = await readOwner(path);
  throw new DataDirLockedError(dir, owner ?? -1);
}

async function tryCreate(path: string, pid: number): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${pid}\n`);
  } finally {
    await handle.close();
  }
  return true;
}

/** The process id in the LOCK file, or null when the file is gone or does not hold one. */
async function readOwner(path: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockAt(path: string, pid: number): DataDirLock {
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      if ((await readOwner(path)) === pid) await unlink(path).catch(() => {});
    },
  };
}
