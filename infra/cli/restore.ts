// `atlas restore FILE --peers r1,r2,r3 [--id r1] [--data DIR]`: seeds data directories from a backup
// (GET /v1/snapshot) for a new cluster with that state, as `etcdutl snapshot restore` does. With --id,
// DIR is that replica's data directory; without, DIR (default ./.atlas, the `atlas dev` layout) gets one
// directory per peer. Each directory receives the backup as its snapshot, with the peers as voters, and
// a hard state at the backup's term; replicas started on them (same --peers, any --cluster) elect a
// leader and serve the restored state, every write after the backup starting at its index + 1.
// Refuses a directory that already holds a replica's data or is locked by a running replica.
// Exit codes: 0 restored, 1 the file is not a valid backup or a directory is not empty, 2 usage.

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeBackup, BackupFormatError, type Backup } from '../../actors/backup/backup-file.ts';
import { isSubjectSafeName } from '../../actors/transport/subjects.ts';
import { lockDataDir } from '../node/data-dir-lock.ts';
import { FileLogStore } from '../node/file-log-store.ts';
import { flag, UsageError, type ParsedArgs } from './args.ts';

export interface RestoreIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
}

/** A directory that cannot receive the backup; the message says why. */
export class RestoreRefusedError extends Error {
  override readonly name = 'RestoreRefusedError';
}

export async function runRestore(args: ParsedArgs, io: RestoreIo = process): Promise<number> {
  const file = args.positional[0];
  if (file === undefined || args.positional.length > 1) throw new UsageError('atlas restore needs one backup FILE (from GET /v1/snapshot)');
  const peersRaw = flag(args, 'peers', 'ATLAS_PEERS');
  if (!peersRaw) throw new UsageError('atlas restore needs --peers r1,r2,r3 (the new cluster\'s voters)');
  const peers = peersRaw.split(',').map((p) => p.trim()).filter(Boolean);
  if (peers.some((p) => !isSubjectSafeName(p)) || new Set(peers).size !== peers.length) throw new UsageError(`--peers must be distinct replica ids: ${peersRaw}`);
  const id = flag(args, 'id', 'ATLAS_REPLICA_ID');
  if (id !== undefined && !peers.includes(id)) throw new UsageError(`--id ${id} is not one of --peers ${peers.join(',')}`);
  const data = flag(args, 'data', 'ATLAS_DATA_DIR', './.atlas')!;
  let backup: Backup;
  try {
    backup = decodeBackup(new Uint8Array(await readFile(file)));
  } catch (error) {
    if (!(error instanceof BackupFormatError)) throw error;
    io.stderr.write(`atlas restore: ${file}: ${error.message}\n`);
    return 1;
  }
  const targets = id !== undefined ? [{ id, dir: data }] : peers.map((peer) => ({ id: peer, dir: join(data, peer) }));
  try {
    for (const target of targets) {
      await restoreInto(target.dir, backup, peers);
      io.stdout.write(`restored ${target.id} in ${target.dir}: index ${backup.index}, term ${backup.term}, voters ${peers.join(',')}\n`);
    }
  } catch (error) {
    if (!(error instanceof RestoreRefusedError)) throw error;
    io.stderr.write(`atlas restore: ${error.message}\n`);
    return 1;
  }
  return 0;
}

/** Seeds `dir` (empty or missing) with `backup` as its snapshot, `peers` as the voters. */
export async function restoreInto(dir: string, backup: Backup, peers: readonly string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const lock = await lockDataDir(dir).catch((error: unknown) => {
    throw new RestoreRefusedError(`${dir}: ${error instanceof Error ? error.message : String(error)}`);
  });
  try {
    const store = await FileLogStore.open(dir);
    try {
      const held = await store.load();
      if (held.snapshot !== null || held.entries.length > 0 || held.hardState.term > 0) {
        throw new RestoreRefusedError(`${dir} already holds a replica's data: restore into an empty directory`);
      }
      store.saveSnapshot({
        meta: { index: backup.index, term: backup.term, config: { voters: [...peers], learners: [] }, lamport: backup.lamport },
        data: backup.data,
      });
      store.setHardState({ term: backup.term, vote: null, commit: backup.index, lamportCeiling: backup.lamport });
      await store.sync();
    } finally {
      await store.close();
    }
  } finally {
    await lock.release();
  }
}
