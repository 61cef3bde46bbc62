// GET /v1/watch?prefix=&from=: a Server-Sent Events stream of KV changes in revision order. The
// backend watch starts before the response, so a compacted `from` is a 410 JSON error, not a stream.
// The backend watch is cancelled whenever the stream ends, including when the client goes away.

import { Hono } from 'hono';
import type { AppConfig, AppEnv } from '../context.ts';
import { badRequest } from '../errors.ts';
import { parseNonNegativeInteger } from '../parse/numbers.ts';
import { integerParam } from '../parse/query.ts';
import { HEARTBEAT, formatEnd, formatRevision, formatSynced } from '../watch/format.ts';
import { WatchQueue } from '../watch/queue.ts';
import { serveQueuedSse } from './queued-sse.ts';

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
    return serveQueuedSse(c, config, {
      queue,
      start: () => config.backend.watch(prefix, from, queue),
      what: 'starting the watch',
      heartbeat: HEARTBEAT,
      format: (item) => (item.type === 'events' ? formatRevision(item.events) : item.type === 'synced' ? formatSynced(item.revision) : formatEnd(item.reason)),
    });
  });

  return app;
}
