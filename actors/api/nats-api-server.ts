// Serves the client API on `atlas.<cluster>.api.<op>` (request/reply). Only the leader subscribes,
// in one queue group, so each request reaches exactly one replica and that replica can write; the
// subscription follows leadership, and is relayed (relay-subscription.ts) so a leader that stops
// running without losing its connection stops receiving requests after a bounded number. Malformed or unknown requests are answered with an error (when
// they ask for a reply) and counted; nothing here throws out of the subscription callback. Replies
// carry `Atlas-Type: <op>.reply` (`error.reply` for an unknown op), `Atlas-From` and `Atlas-Lamport`.

import type { Msg, NatsConnection } from '@nats-io/nats-core';
import type { Replica } from '../replica/replica.ts';
import { ApiErrorCode } from './errors.ts';
import { type ApiCall, type ApiReply, isApiOp } from './ops.ts';
import { deferToTurnEnd } from './next-turn.ts';
import { decodeRequest, detectFormat, encodeReply } from './wire.ts';
import { atlasHeaders } from '../transport/headers.ts';
import { PeakGauge } from './peak-gauge.ts';
import { RelaySubscription } from './relay-subscription.ts';

export const API_QUEUE_GROUP = 'atlas-api';
export const TIMEOUT_HEADER = 'Atlas-Timeout-Ms';
const DEFAULT_TIMEOUT_MS = 5_000;
const MAX_TIMEOUT_MS = 60_000;
/** The relay keeps room for the most requests served at once over about this long. */
const DEMAND_WINDOW_MS = 1_000;

export interface ApiServerCounters {
  requests: number;
  malformed: number;
  unknownOp: number;
}

export class NatsApiServer {
  readonly counters: ApiServerCounters = { requests: 0, malformed: 0, unknownOp: 0 };
  /** Requests being served (received, not yet answered): the relay keeps room for its recent peak. */
  private readonly demand = new PeakGauge(DEMAND_WINDOW_MS);
  private subscription: RelaySubscription | null = null;
  private readonly prefix: string;
  private readonly stopWatching: () => void;

  constructor(
    private readonly nc: NatsConnection,
    private readonly cluster: string,
    private readonly replica: Replica,
    private readonly call: ApiCall,
    /** Requests per relayed subscription (see relay-subscription.ts); default DEFAULT_RELAY_BATCH. */
    private readonly relayBatch?: number,
  ) {
    this.prefix = `atlas.${cluster}.api.`;
    this.stopWatching = replica.onSoftState(() => this.follow());
    this.follow();
  }

  close(): void {
    this.stopWatching();
    this.subscription?.close();
    this.subscription = null;
  }

  private follow(): void {
    const leading = this.replica.role === 'leader';
    if (leading && !this.subscription) {
      this.subscription = new RelaySubscription(this.nc, {
        subject: `${this.prefix}>`,
        queue: API_QUEUE_GROUP,
        ...(this.relayBatch !== undefined ? { batch: this.relayBatch } : {}),
        onMessage: (msg) => void this.handle(msg),
        demand: () => this.demand.peak(),
      });
    } else if (!leading && this.subscription) {
      this.subscription.close();
      this.subscription = null;
    }
  }

  private async handle(msg: Msg): Promise<void> {
    this.counters.requests++;
    this.demand.add(1);
    try {
      await this.serve(msg);
    } finally {
      this.demand.add(-1);
    }
  }

  private async serve(msg: Msg): Promise<void> {
    const format = detectFormat(msg.data);
    const op = msg.subject.slice(this.prefix.length);
    let reply: ApiReply;
    const known = isApiOp(op);
    if (!known) {
      this.counters.unknownOp++;
      reply = this.error(ApiErrorCode.BadRequest, `unknown operation ${JSON.stringify(op)}`);
    } else {
      const decoded = decodeRequest(msg.data, format);
      if (!decoded.ok) {
        this.counters.malformed++;
        reply = this.error(ApiErrorCode.BadRequest, decoded.error);
      } else {
        const timeoutMs = requestedTimeout(msg);
        reply = await this.call(op, decoded.request, { timeoutMs, forwarded: true });
      }
    }
    if (!msg.reply) return;
    // Replies finished in one turn are published together (one socket write).
    const type = known ? `${op}.reply` : 'error.reply';
    deferToTurnEnd(() => this.respond(msg, type, reply, format));
  }

  private respond(msg: Msg, type: string, reply: ApiReply, format: ReturnType<typeof detectFormat>): void {
    try {
      const h = atlasHeaders({ type, from: this.replica.id, lamport: reply.lamport });
      msg.respond(encodeReply(reply, format), { headers: h });
    } catch {
      // The requester went away or the connection closed: nothing to answer.
    }
  }

  private error(code: ApiErrorCode, message: string): ApiReply {
    return { ok: false, error: { code, message }, lamport: this.replica.lamport };
  }
}

function requestedTimeout(msg: Msg): number {
  const raw = msg.headers?.get(TIMEOUT_HEADER);
  const n = raw ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n <= 0) return DEFAULT_TIMEOUT_MS;
  return Math.min(n, MAX_TIMEOUT_MS);
}
