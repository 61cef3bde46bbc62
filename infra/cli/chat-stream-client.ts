// Follows a chat SSE stream (`/v1/chat/channels/{c}/stream` or `/v1/chat/users/{u}/stream`) for the
// CLI: calls `onMessage` for each message in seq order, reconnects after a failure or an `end` event
// from the last seq it saw (Last-Event-ID), and stops when `signal` aborts.

import type { ChatClient, MessageJson } from './chat-client.ts';

export interface FollowOptions {
  readonly client: ChatClient;
  /** `/v1/chat/channels/<name>/stream` or `/v1/chat/users/<name>/stream`. */
  readonly path: string;
  readonly onMessage: (message: MessageJson) => void;
  readonly onError?: (error: Error) => void;
  readonly signal: AbortSignal;
  readonly retryMs?: number;
}

/** Runs until `signal` aborts. */
export async function followStream(opts: FollowOptions): Promise<void> {
  let lastSeq: number | null = null;
  while (!opts.signal.aborted) {
    try {
      const headers: Record<string, string> = { ...opts.client.headers(), Accept: 'text/event-stream' };
      if (lastSeq !== null) headers['Last-Event-ID'] = String(lastSeq);
      const res = await fetch(`${opts.client.url}${opts.path}`, { headers, signal: opts.signal });
      if (!res.ok || !res.body) throw new Error(`stream ${opts.path}: HTTP ${res.status}`);
      for await (const event of sseEvents(res.body)) {
        if (event.event === 'message') {
          const message = JSON.parse(event.data) as MessageJson;
          lastSeq = message.seq;
          opts.client.observe(message.clock);
          opts.onMessage(message);
        } else if (event.event === 'synced') {
          lastSeq ??= (JSON.parse(event.data) as { seq: number }).seq;
        } else if (event.event === 'end') {
          break;
        }
      }
    } catch (error) {
      if (opts.signal.aborted) return;
      opts.onError?.(error instanceof Error ? error : new Error(String(error)));
    }
    await sleep(opts.retryMs ?? 1_000, opts.signal);
  }
}

interface SseEvent {
  readonly event: string;
  readonly data: string;
}

async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) yield { event, data: data.join('\n') };
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
