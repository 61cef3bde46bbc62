// Publishes cluster events on `atlas.<cluster>.events.<kind>` (msgpack, with Atlas-* headers).

import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { PlainEncoder } from '../codec/plain-msgpack.ts';
import type { EventSink } from '../replica/ports.ts';

/** Reused across calls; the library's default options (undefined map values written as nil). */
const encoder = new PlainEncoder({ sortKeys: false, ignoreUndefined: false });

export function natsEventSink(nc: NatsConnection, cluster: string, from: string): EventSink {
  return {
    publish(kind, payload) {
      try {
        const h = natsHeaders();
        h.set('Atlas-Type', kind);
        h.set('Atlas-From', from);
        if (typeof payload.term === 'number') h.set('Atlas-Term', String(payload.term));
        h.set('Atlas-Lamport', String(payload.lamport ?? 0));
        nc.publish(`atlas.${cluster}.events.${kind}`, encoder.encode(payload), { headers: h });
      } catch {
        // Events are notifications: a closed connection loses them, it never stops the replica.
      }
    },
  };
}
