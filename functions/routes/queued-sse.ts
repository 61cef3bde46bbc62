// The Server-Sent Events pump shared by the watch and chat streams: starts a backend feed into a
// StreamQueue within the request deadline (a feed that starts too late is cancelled, and its error
// is the JSON answer), then writes the queue's items as SSE until the queue ends or closes, with a
// heartbeat while idle. The feed is cancelled whenever the response ends, including when the client
// goes away.

import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { toApiError, withDeadline } from '../../actors/api/errors.ts';
import type { AppConfig, AppEnv } from '../context.ts';
import type { StreamQueue } from '../stream-queue.ts';

export interface QueuedSseOptions<Item extends { readonly type: string }> {
  readonly queue: StreamQueue<Item>;
  /** Starts the backend feed into `queue`; resolves with its cancel function. */
  readonly start: () => Promise<() => void>;
  /** Names the feed in the deadline error ("starting the watch"). */
  readonly what: string;
  /** The SSE comment written while idle. */
  readonly heartbeat: string;
  /** The SSE text of an item; an `end` item is the stream's last. */
  readonly format: (item: Item) => string;
}

export async function serveQueuedSse<Item extends { readonly type: string }>(
  c: Context<AppEnv>,
  config: AppConfig,
  opts: QueuedSseOptions<Item>,
): Promise<Response> {
  const { queue } = opts;
  const cancelFeed = await startWithinDeadline(opts.start(), config.requestTimeoutMs, opts.what);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    cancelFeed();
    queue.close();
  };
  c.req.raw.signal?.addEventListener('abort', stop, { once: true });

  return streamSSE(c, async (stream) => {
    stream.onAbort(stop);
    try {
      while (!stream.aborted) {
        const item = await queue.take(config.watchHeartbeatMs);
        if (item.type === 'closed') break;
        if (item.type === 'idle') {
          await stream.write(opts.heartbeat);
          continue;
        }
        await stream.write(opts.format(item as Item));
        if (item.type === 'end') break;
      }
    } finally {
      stop();
    }
  });
}

async function startWithinDeadline(started: Promise<() => void>, timeoutMs: number, what: string): Promise<() => void> {
  try {
    return await withDeadline(started, timeoutMs, what);
  } catch (error) {
    started.then(
      (cancel) => cancel(),
      () => {},
    );
    throw toApiError(error);
  }
}
