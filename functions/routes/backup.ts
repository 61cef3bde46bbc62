// GET /v1/snapshot: a consistent backup of the whole cluster state, as one file (actors/backup/
// backup-file.ts) for `atlas restore`. The serving replica (through a gateway or the Worker: the
// leader) captures its state after a linearizable read barrier, so the backup holds every write
// acknowledged before the request; the file arrives in chunks of the backup operations
// (actors/api/backup-ops.ts) and is sent once whole, with its index and term in headers.

import { Hono } from 'hono';
import type { BackupReadReply } from '../../actors/api/backup-ops.ts';
import type { BackupMeta } from '../../actors/backup/backup-file.ts';
import { joinBytes } from '../../actors/codec/join-bytes.ts';
import { ApiError, ApiErrorCode } from '../../actors/api/errors.ts';
import { callBackend } from '../call.ts';
import type { AppConfig, AppEnv } from '../context.ts';

/** How long a download may wait for a large state to be encoded, in all. */
const ENCODE_WAIT_MS = 10 * 60_000;

export function backupRoutes(config: AppConfig): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/v1/snapshot', async (c) => {
    const begun = await callBackend<{ token: string } & BackupMeta>(c, config, 'snapshot.begin', {});
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const giveUpAt = Date.now() + ENCODE_WAIT_MS;
    for (;;) {
      const reply = await callBackend<BackupReadReply>(c, config, 'snapshot.read', { token: begun.token, offset });
      if ('pending' in reply) {
        if (Date.now() > giveUpAt) throw new ApiError(ApiErrorCode.Timeout, 'the backup was still being encoded after 10 minutes');
        continue;
      }
      chunks.push(reply.bytes);
      offset += reply.bytes.byteLength;
      if (reply.done) break;
    }
    return c.body(joinBytes(chunks, offset) as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="atlas-${begun.index}.backup"`,
      'Atlas-Snapshot-Index': String(begun.index),
      'Atlas-Snapshot-Term': String(begun.term),
    });
  });

  return app;
}
