// An in-process network for replica tests: delivers consensus messages between replicas in the same
// process on a later macrotask (never re-entrantly), with switchable cuts between pairs of replicas.
// With `wire`, every message is encoded to its wire frame when sent and decoded when delivered, as
// the NATS transport does (a frame that does not decode is dropped).

import type { Message, NodeId } from '../../actors/raft/types.ts';
import type { Transport, TransportFactory, TransportHooks } from '../../actors/replica/ports.ts';
import { decodeMessage, encodeMessage } from '../../actors/transport/codec.ts';

export interface MemoryNetworkOptions {
  readonly wire?: boolean;
}

export class MemoryNetwork {
  private readonly endpoints = new Map<NodeId, TransportHooks>();
  private readonly cut = new Set<string>();
  delivered = 0;
  dropped = 0;

  constructor(private readonly opts: MemoryNetworkOptions = {}) {}

  transportFor(id: NodeId): TransportFactory {
    return (hooks) => {
      this.endpoints.set(id, hooks);
      const transport: Transport = {
        send: (messages) => {
          const batch = this.opts.wire ? messages.map((m) => encodeMessage(m)) : [...messages];
          setImmediate(() => {
            for (const sent of batch) this.arrive(sent);
          });
        },
        close: async () => {
          if (this.endpoints.get(id) === hooks) this.endpoints.delete(id);
        },
      };
      return transport;
    };
  }

  /** Cuts traffic from `a` to `b` (and back unless `oneWay`). */
  partition(a: NodeId, b: NodeId, oneWay = false): void {
    this.cut.add(`${a}>${b}`);
    if (!oneWay) this.cut.add(`${b}>${a}`);
  }

  /** Cuts `id` off from every other replica. */
  isolate(id: NodeId, others: readonly NodeId[]): void {
    for (const o of others) if (o !== id) this.partition(id, o);
  }

  heal(): void {
    this.cut.clear();
  }

  /** A sent message, or its wire frame, reaching the network: frames are decoded first. */
  private arrive(sent: Message | Uint8Array): void {
    if (!(sent instanceof Uint8Array)) return this.deliver(sent);
    const decoded = decodeMessage(sent);
    if (decoded.ok) this.deliver(decoded.message);
    else this.dropped++;
  }

  private deliver(m: Message): void {
    const target = this.endpoints.get(m.to);
    if (!target || this.cut.has(`${m.from}>${m.to}`) || !target.isMember(m.from)) {
      this.dropped++;
      return;
    }
    this.delivered++;
    target.deliver(m);
  }
}
