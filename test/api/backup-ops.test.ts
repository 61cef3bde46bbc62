// The backup operations behind GET /v1/snapshot: chunks of the backup file, pending (after a short
// wait, whatever the deadline) while a large state is still encoding, not_found for unknown or finished tokens, a bound on backups held at once,
// and bad requests refused.

import { describe, expect, it } from 'vitest';
import { BACKUP_CHUNK_BYTES, BackupSessions, type BackupReadReply } from '../../actors/api/backup-ops.ts';
import { ApiError } from '../../actors/api/errors.ts';
import { decodeBackup } from '../../actors/backup/backup-file.ts';
import { arrayHeader, SnapshotBuild, type StreamedValue } from '../../actors/machines/snapshot-build.ts';

/** A build of `rows` rows of 100 bytes each (about 100 bytes per row encoded). */
function build(rows: number): SnapshotBuild {
  const streamed: StreamedValue = {
    before: arrayHeader(rows),
    count: rows,
    rows: (from, to) => Array.from({ length: to - from }, (_, i) => new Uint8Array(100).fill((from + i) & 0xff)),
    after: new Uint8Array(0),
  };
  return new SnapshotBuild([streamed]);
}

const meta = { index: 42, term: 3, lamport: 900 };

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof ApiError ? error.code : String(error);
  }
}

describe('backup sessions', () => {
  it('serves the backup file in chunks, then forgets the token', async () => {
    const sessions = new BackupSessions();
    const { token } = sessions.begin({ meta, build: build(12_000) });
    const chunks: Uint8Array[] = [];
    let reply: BackupReadReply;
    do {
      reply = await sessions.read({ token, offset: chunks.reduce((n, c) => n + c.byteLength, 0) }, Date.now() + 5_000);
      if ('pending' in reply) continue;
      expect(reply.bytes.byteLength).toBeLessThanOrEqual(BACKUP_CHUNK_BYTES);
      chunks.push(reply.bytes.slice());
    } while ('pending' in reply || !reply.done);
    expect(chunks.length).toBeGreaterThan(2);
    const file = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    chunks.reduce((at, c) => (file.set(c, at), at + c.byteLength), 0);
    const backup = decodeBackup(file);
    expect({ index: backup.index, term: backup.term, lamport: backup.lamport }).toEqual(meta);
    expect(backup.data).toEqual(build(12_000).finish());
    expect(await code(sessions.read({ token, offset: 0 }, Date.now() + 100))).toBe('not_found');
  });

  it('answers pending when the deadline comes first, and refuses bad requests and a third backup', async () => {
    const sessions = new BackupSessions();
    const { token } = sessions.begin({ meta, build: build(200_000) });
    expect(await sessions.read({ token, offset: 0 }, Date.now())).toEqual({ pending: true });
    expect(await code(sessions.read({ offset: 0 }, Date.now()))).toBe('bad_request');
    expect(await code(sessions.read({ token, offset: -1 }, Date.now()))).toBe('bad_request');
    expect(await code(sessions.read({ token, offset: 'x' }, Date.now()))).toBe('bad_request');
    expect(await code(sessions.read({ token: 'nope', offset: 0 }, Date.now()))).toBe('not_found');
    sessions.begin({ meta, build: build(1) });
    expect(await code(Promise.resolve().then(() => sessions.begin({ meta, build: build(1) })))).toBe('unavailable');
    // Reads answer pending until the encoding is done, then the chunks follow.
    let done: BackupReadReply = { pending: true };
    while ('pending' in done) done = await sessions.read({ token, offset: 0 }, Date.now() + 30_000);
    expect(done.size).toBeGreaterThan(200_000 * 100);
    expect(await code(sessions.read({ token, offset: 10 ** 12 }, Date.now()))).toBe('bad_request');
  });
});
