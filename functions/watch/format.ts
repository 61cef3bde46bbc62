// Server-Sent Events framing for watches: one `put`/`delete` event per change with `id: <revision>`,
// all events of one revision in one chunk, `synced` once history is delivered, `: ping` heartbeats.

import type { WatchEvent } from '../../actors/machines/kv/commands.ts';
import { encodeValue } from '../encoding.ts';

export function formatRevision(events: readonly WatchEvent[]): string {
  let out = '';
  for (const event of events) {
    const data = {
      key: event.key,
      revision: event.revision,
      lamport: event.lamport,
      ...(event.type === 'put' && event.value ? encodeValue(event.value) : { value: null }),
    };
    out += `event: ${event.type}\nid: ${event.revision}\ndata: ${JSON.stringify(data)}\n\n`;
  }
  return out;
}

/** Everything up to `revision` was sent; the id lets a client resume after it. */
export function formatSynced(revision: number): string {
  return `event: synced\nid: ${revision}\ndata: ${JSON.stringify({ revision })}\n\n`;
}

/** The stream ends (e.g. history was reset under the watcher); the client resumes from Last-Event-ID. */
export function formatEnd(reason: string): string {
  return `event: end\ndata: ${JSON.stringify({ reason })}\n\n`;
}

export const HEARTBEAT = ': ping\n\n';
