// An exclusive claim on a replica's data directory, so two replica processes never write one log.
//
// `<dir>/LOCK` holds the owner's process id and, where the host exposes it (Linux `/proc`), the
// owner's identity: boot id, pid namespace and process start time. Claiming creates the file
// exclusively; when it already exists and its owner may still be running, the claim is refused; when
// the owner is certainly gone, the stale file is replaced. Releasing deletes the file if it is still ours.
//
// When the owner is certainly gone:
//   - its identity names another boot, or its pid now runs a different process (start time differs)
//     — including this one, as when a replica restarts with the same pid in a new container;
//   - it wrote no identity (a host without `/proc`) and no process with its pid runs;
//   - it ran in another pid namespace (another container on a shared volume), which this process
//     cannot look into, and has not refreshed the file's mtime for STALE_AFTER_MS: a holder touches
//     its LOCK every HEARTBEAT_MS (so a holder whose event loop stops for longer, SIGSTOP say, can
//     lose its claim to such a claimer).
// Replacing a stale file is serialized by a takeover token, `<dir>/LOCK.takeover`, created exclusively:
// its holder judges the LOCK again before deleting it, so of two replicas started in the same instant
// just after the owner crashed, the second sees the first one's fresh LOCK and is refused. A token older
// than TAKEOVER_STALE_MS was left by a claimer that died during its takeover and is removed.

import { open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'LOCK';
/** How often a holder refreshes its LOCK's mtime. */
export const HEARTBEAT_MS = 2_000;
/** A LOCK from another pid namespace whose mtime is older than this is stale. */
export const STALE_AFTER_MS = 10_000;
export const TAKEOVER_FILE = 'LOCK.takeover';
/** A takeover takes a few file operations; a token this old belongs to a claimer that died. */
export const TAKEOVER_STALE_MS = 5_000;
const TAKEOVER_RETRY_MS = 10;

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

/** One run of one process: where it ran (boot, pid namespace) and when it started (clock ticks). */
export interface ProcessIdentity {
  readonly bootId: string;
  readonly pidNamespace: string;
  readonly startTicks: string;
}

/** Who a LOCK file names: a process id, and its identity when the writer could read one. */
interface LockOwner {
  readonly pid: number;
  readonly identity: ProcessIdentity | null;
}

/** Claims `dir` (which must exist) for this process. Throws DataDirLockedError when it is held. */
export async function lockDataDir(dir: string, pid: number = process.pid): Promise<DataDirLock> {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { pid, identity: processIdentity(pid) };
  if (await tryCreate(path, me)) return lockAt(path, me);
  const giveUpAt = Date.now() + 2 * TAKEOVER_STALE_MS;
  while (Date.now() < giveUpAt) {
    const releaseToken = await takeTakeoverToken(dir, me);
    if (releaseToken === null) {
      await new Promise((resolve) => setTimeout(resolve, TAKEOVER_RETRY_MS));
      continue;
    }
    try {
      // Judged under the token: a takeover that finished just before is seen here.
      if (await tryCreate(path, me)) return lockAt(path, me);
      const owner = await readOwner(path);
      if (owner !== null && (await mayBeRunning(owner, me, path))) throw new DataDirLockedError(dir, owner.pid);
      // Stale (its owner is gone) or unreadable: replace it. A plain claim may still win the gap between
      // the delete and the create; then the next round sees its LOCK.
      await unlinkIfPresent(path);
      if (await tryCreate(path, me)) return lockAt(path, me);
    } finally {
      await releaseToken();
    }
  }
  const owner = await readOwner(path);
  throw new DataDirLockedError(dir, owner?.pid ?? -1);
}

/** Creates the takeover token; returns its release, or null while another claimer holds it. */
async function takeTakeoverToken(dir: string, me: LockOwner): Promise<(() => Promise<void>) | null> {
  const path = join(dir, TAKEOVER_FILE);
  if (await tryCreate(path, me)) return () => unlinkIfPresent(path);
  if (Date.now() - (await modifiedAtMs(path)) > TAKEOVER_STALE_MS) await unlinkIfPresent(path);
  return null;
}

async function unlinkIfPresent(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/** The identity of process `pid` as this process sees it, or null when the host or the process has none. */
export function processIdentity(pid: number): ProcessIdentity | null {
  try {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidNamespace = readlinkSync('/proc/self/ns/pid');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may hold spaces); the start time is field 22.
    const startTicks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    if (!isToken(bootId) || !isToken(pidNamespace) || startTicks === undefined || !/^\d+$/.test(startTicks)) return null;
    return { bootId, pidNamespace, startTicks };
  } catch {
    return null;
  }
}

async function mayBeRunning(owner: LockOwner, me: LockOwner, path: string): Promise<boolean> {
  const theirs = owner.identity;
  const mine = me.identity;
  if (theirs === null || mine === null) return owner.pid === me.pid || isAlive(owner.pid);
  if (theirs.bootId !== mine.bootId) return false;
  if (theirs.pidNamespace !== mine.pidNamespace) return Date.now() - (await modifiedAtMs(path)) < STALE_AFTER_MS;
  const current = owner.pid === me.pid ? mine : processIdentity(owner.pid);
  return current !== null && current.startTicks === theirs.startTicks;
}

async function tryCreate(path: string, me: LockOwner): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(formatOwner(me));
  } finally {
    await handle.close();
  }
  return true;
}

/** `<pid>\n`, or `<pid> <boot id> <pid namespace> <start ticks>\n` when the identity is known. */
function formatOwner(owner: LockOwner): string {
  const id = owner.identity;
  return id === null ? `${owner.pid}\n` : `${owner.pid} ${id.bootId} ${id.pidNamespace} ${id.startTicks}\n`;
}

/** The owner the LOCK file names, or null when the file is gone or does not hold a process id. */
async function readOwner(path: string): Promise<LockOwner | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const [pidText, bootId, pidNamespace, startTicks] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  const identity = bootId && pidNamespace && startTicks ? { bootId, pidNamespace, startTicks } : null;
  return { pid, identity };
}

async function modifiedAtMs(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
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

function isToken(text: string): boolean {
  return text.length > 0 && !/\s/.test(text);
}

function lockAt(path: string, me: LockOwner): DataDirLock {
  let released = false;
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      const owner = await readOwner(path);
      if (owner !== null && formatOwner(owner) === formatOwner(me)) await unlink(path).catch(() => {});
    },
  };
}
