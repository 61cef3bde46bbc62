// GET /v1/snapshot: a consistent backup of the whole cluster state, as one file (actors/backup/
// backup-file.ts) for `atlas restore`. The serving replica (through a gateway or the Worker: the
// leader) captures its state after a linearizable read barrier, so the backup holds every write
// acknowledged before the request; the file arrives in chunks of the backup operations
// (actors/api/backup-ops.ts) and is streamed on as they come, so the edge holds one chunk at a time,
// with its index and term in headers and its length in Content-Length. A failure before the first
// chunk is an HTTP error; a later one (the leader changed) cuts the response short of its length,
// which clients report and `atlas restore` refuses (the file's own length and checksum).

import { Hono, type Context } from 'hono';
import type { BackupReadReply } from '../../actors/api/backup-ops.ts';
import type { BackupMeta } from '../../actors/backup/backup-file.ts';
import { ApiError, ApiErrorCode } from '../../actors/api/errors.ts';
import { callBackend } from '../call.ts';
import type { AppConfig, AppEnv } from '../context.ts';

/** How long a download may wait for a large state to be encoded, in all. */
const ENCODE_WAIT_MS = 10 * 60_000;

type BackupChunk = Exclude<BackupReadReply, { readonly pending: true }>;

export function backupRoutes(config: AppConfig): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/v1/snapshot', async (c) => {
    const begun = await callBackend<{ token: string } & BackupMeta>(c, config, 'snapshot.begin', {});
    const first = await readChunk(c, config, begun.token, 0, Date.now() + ENCODE_WAIT_MS);
    let offset = first.bytes.byteLength;
    let done = first.done;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(first.bytes);
        if (done) controller.close();
      },
      async pull(controller) {
        if (done) return;
        const next = await readChunk(c, config, begun.token, offset, Date.now() + ENCODE_WAIT_MS);
        offset += next.bytes.byteLength;
        done = next.done;
        controller.enqueue(next.bytes);
        if (done) controller.close();
      },
    });
    return c.body(body, 200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(first.size),
      'Content-Disposition': `attachment; filename="atlas-${begun.index}.backup"`,
      'Atlas-Snapshot-Index': String(begun.index),
      'Atlas-Snapshot-Term': String(begun.term),
    });
  });

  return app;
}

/** The chunk of the backup at `offset`, waiting while the replica still encodes it. */
async function readChunk(c: Context<AppEnv>, config: AppConfig, token: string, offset: number, giveUpAt: number): Promise<BackupChunk> {
  for (;;) {
    const reply = await callBackend<BackupReadReply>(c, config, 'snapshot.read', { token, offset });
    if (!('pending' in reply)) return reply;
    if (Date.now() > giveUpAt) throw new ApiError(ApiErrorCode.Timeout, 'the backup was still being encoded after 10 minutes');
  }
}
