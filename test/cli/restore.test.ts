// Backup and restore end to end with real processes: GET /v1/snapshot from a running cluster (leader
// and follower), `atlas restore` into fresh data directories, a new cluster started on them serves
// the backed-up state and goes on from its index; refusals and damaged files exit 1 with one line.

import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBackup } from '../../actors/backup/backup-file.ts';
import { parseArgs } from '../../infra/cli/args.ts';
import { runRestore } from '../../infra/cli/restore.ts';
import { ProcessCluster } from '../helpers/process-cluster.ts';

class Output {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

async function restore(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Output();
  const stderr = new Output();
  const code = await runRestore(parseArgs(argv), { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

async function put(url: string, key: string, value: string): Promise<void> {
  const response = await fetch(`${url}/v1/kv/${key}`, { method: 'PUT', body: value, signal: AbortSignal.timeout(5_000) });
  expect(response.status).toBe(200);
}

let source: ProcessCluster | null = null;
let restored: ProcessCluster | null = null;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atlas-restore-'));
  source = await ProcessCluster.start({ snapshotEvery: 40 });
}, 60_000);
afterAll(async () => {
  await source?.stop();
  await restored?.stop();
});

describe('backup and restore', () => {
  it('downloads a consistent backup and starts a new cluster from it', async () => {
    const leader = await source!.leader();
    // The first six values are large, so the backup spans several 512 KiB chunks.
    for (let i = 0; i < 60; i++) await put(source!.url(leader), `b/${i}`, i < 6 ? `${i}`.padEnd(120_000, 'x') : `value ${i}`);
    const follower = source!.ids.find((id) => id !== leader)!;
    // From a follower: served after a read barrier, so it holds every acknowledged write.
    const response = await fetch(`${source!.url(follower)}/v1/snapshot`, { signal: AbortSignal.timeout(20_000) });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('application/octet-stream');
    expect(response.headers.get('Atlas-Lamport')).toMatch(/^\d+$/);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.byteLength).toBeGreaterThan(512 * 1024);
    expect(response.headers.get('Content-Length')).toBe(String(bytes.byteLength));
    const backup = decodeBackup(bytes);
    expect(String(backup.index)).toBe(response.headers.get('Atlas-Snapshot-Index'));
    const file = join(dir, 'cluster.backup');
    await writeFile(file, bytes);
    await put(source!.url(leader), 'b/after-backup', 'not in the backup');
    await source!.stop();
    source = null;

    restored = await ProcessCluster.start({
      seed: async (dataDir, id) => {
        const result = await restore([file, '--id', id, '--peers', 'r1,r2,r3', '--data', dataDir]);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toContain(`restored ${id} in ${dataDir}: index ${backup.index}`);
      },
    });
    const next = await restored.leader();
    for (const id of restored.ids) {
      const got = await fetch(`${restored.url(id)}/v1/kv/b/59`);
      expect(got.status).toBe(200);
      expect(await got.text()).toBe('value 59');
      expect((await (await fetch(`${restored.url(id)}/v1/kv/b/5`)).text()).length).toBe(120_000);
    }
    expect((await fetch(`${restored.url(next)}/v1/kv/b/after-backup`)).status).toBe(404);
    const write = await fetch(`${restored.url(next)}/v1/kv/b/new`, { method: 'PUT', body: 'new' });
    expect(write.status).toBe(200);
    expect(((await write.json()) as { revision: number }).revision).toBe(61);
    const status = (await (await fetch(`${restored.url(next)}/v1/status`)).json()) as { snapshotIndex: number; commitIndex: number };
    expect(status.snapshotIndex).toBeGreaterThanOrEqual(backup.index);
    expect(status.commitIndex).toBeGreaterThan(backup.index);
  });

  it('refuses a directory that holds data, and a damaged or foreign file, with exit 1 and one line', async () => {
    const file = join(dir, 'cluster.backup');
    // A running replica's directory (locked), and one already restored into (holds a snapshot).
    const intoRunning = await restore([file, '--id', 'r1', '--peers', 'r1,r2,r3', '--data', join(restored!.root, 'r1')]);
    expect(intoRunning.code).toBe(1);
    expect(intoRunning.stderr).toMatch(/is in use by process \d+/);
    const again = join(dir, 'again');
    expect((await restore([file, '--peers', 'r1,r2,r3', '--data', again])).code).toBe(0);
    const intoUsed = await restore([file, '--peers', 'r1,r2,r3', '--data', again]);
    expect(intoUsed.code).toBe(1);
    expect(intoUsed.stderr).toMatch(/already holds a replica's data: restore into an empty directory/);

    const bytes = await readFile(file);
    bytes[bytes.length - 3]! ^= 0xff;
    await writeFile(join(dir, 'damaged.backup'), bytes);
    const damaged = await restore([join(dir, 'damaged.backup'), '--peers', 'r1,r2,r3', '--data', join(dir, 'fresh')]);
    expect(damaged).toMatchObject({ code: 1, stdout: '' });
    expect(damaged.stderr).toMatch(/checksum mismatch/);

    await writeFile(join(dir, 'short.backup'), bytes.subarray(0, bytes.length - 10));
    expect((await restore([join(dir, 'short.backup'), '--peers', 'r1,r2,r3', '--data', join(dir, 'fresh')])).stderr).toMatch(/truncated/);
    await writeFile(join(dir, 'text.backup'), 'hello');
    expect((await restore([join(dir, 'text.backup'), '--peers', 'r1,r2,r3', '--data', join(dir, 'fresh')])).stderr).toMatch(/shorter than a backup header/);
    await expect(restore([file, '--peers', 'r1,r2,r3', '--id', 'r9'])).rejects.toThrow(/not one of --peers/);
  });
});
