// GET /v1/watch?prefix=&from=: a Server-Sent Events stream of KV changes in revision order. The
// backend watch starts before the response, so a compacted `from` is a 410 JSON error, not a stream.
// The backend watch is cancelled whenever the stream ends, including when the client goes away.

import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { toApiError, withDeadline } from '../../actors/api/errors.ts';
import type { WatchSink } from '../backend.ts';
import type { AppConfig, AppEnv } from '../context.ts';
import { badRequest } from '../errors.ts';
import { parseNonNegativeInteger } from '../parse/numbers.ts';
import { integerParam } from '../parse/query.ts';
import { HEARTBEAT, formatEnd, formatRevision, formatSynced } from '../watch/format.ts';
import { WatchQueue } from '../watch/queue.ts';

export function watchRoutes(config: AppConfig): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/v1/watch', async (c) => {
    const prefix = c.req.query('prefix') ?? '';
    let from = integerParam(c, 'from', 0) ?? null;
    const lastEventId = c.req.header('Last-Event-ID');
    if (lastEventId !== undefined && lastEventId.trim() !== '') {
      const id = parseNonNegativeInteger(lastEventId);
      if (id === null) throw badRequest('Last-Event-ID must be a revision (a non-negative integer)');
      from = id + 1;
    }

    const queue = new WatchQueue(config.watchMaxQueuedRevisions);
    const cancelWatch = await startWatch(config, prefix, from, queue);
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      cancelWatch();
      queue.close();
    };
    c.req.raw.signal?.addEventListener('abort', stop, { once: true });

    return streamSSE(c, async (stream) => {
      stream.onAbort(stop);
      try {
        while (!stream.aborted) {
          const item = await queue.take(config.watchHeartbeatMs);
          if (item.type === 'closed') break;
          if (item.type === 'idle') await stream.write(HEARTBEAT);
          else if (item.type === 'events') await stream.write(formatRevision(item.events));
          else if (item.type === 'synced') await stream.write(formatSynced(item.revision));
          else {
            await stream.write(formatEnd(item.reason));
            break;
          }
        }
      } finally {
        stop();
      }
    });
  });

  return app;
}

/** Starts the backend watch within the request deadline; a watch that starts too late is cancelled. */
async function startWatch(config: AppConfig, prefix: string, from: number | null, sink: WatchSink): Promise<() => void> {
  const started = config.backend.watch(prefix, from, sink);
  try {
    return await withDeadline(started, config.requestTimeoutMs, 'starting the watch');
  } catch (error) {
    started.then(
      (cancel) => cancel(),
      () => {},
    );
    throw toApiError(error);
  }
}
