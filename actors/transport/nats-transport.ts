// Consensus transport over a NATS connection: one subscription on this replica's raft subject in,
// one publish per message out. Works with any `NatsConnection` (Node TCP or `wsconnect` in workerd).
//
// Delivery is best effort, as Raft expects: a message may be lost, never corrupted or misattributed.
// Everything that arrives is checked before `onMessage` sees it; what fails a check is dropped and
// counted by reason. Nothing thrown by a check or by `onMessage` escapes the subscription callback.

import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Message, NodeId } from '../raft/types.ts';
import { decodeMessage, encodeMessage } from './codec.ts';
import type { WireScope } from './codec.ts';
import { consensusHeaders, receivedHeadersMatch } from './headers.ts';
import { assertSubjectSafeName, DEFAULT_GROUP, raftSubject } from './subjects.ts';
import type { TransportFactory } from '../replica/ports.ts';

export const DROP_REASONS = [
  /** Inbound: not a decodable frame. */
  'malformed',
  /** Inbound: a frame of a type this version does not know. */
  'unknown_type',
  /** Inbound: the frame belongs to another cluster or Raft group. */
  'foreign_cluster',
  /** Inbound: the frame's `to` is not this replica. */
  'wrong_recipient',
  /** Inbound: the sender is not a current member (per `isMember`). */
  'non_member',
  /** Inbound: `Atlas-*` headers missing or disagreeing with the body. */
  'header_mismatch',
  /** Inbound: `onMessage` threw; the message is lost, the subscription keeps running. */
  'handler_error',
  /** Outbound: the client refused the publish (connection closed, payload above max_payload). */
  'send_failed',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Dropped-message counts by reason: a plain record, owned by whoever exports metrics. */
export type DropCounters = Record<DropReason, number>;

export function createDropCounters(): DropCounters {
  return Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as DropCounters;
}

export interface NatsTransportOptions {
  /** Owned by the caller: the transport never closes or drains it. */
  readonly nc: NatsConnection;
  readonly cluster: string;
  readonly group: string;
  /** This replica's id: the transport receives on `atlas.<cluster>.raft.<group>.<self>`. */
  readonly self: NodeId;
  /** Consulted for every inbound message: is the sender a member of the current configuration? */
  readonly isMember: (id: NodeId) => boolean;
  /** Receives each accepted message, synchronously from the subscription callback. */
  readonly onMessage: (message: Message) => void;
  /** Incremented in place; created when omitted. */
  readonly counters?: DropCounters;
  /** Told about each drop (for debug logging); must not throw. */
  readonly onDrop?: (reason: DropReason, detail: string) => void;
}

export class NatsTransport {
  readonly counters: DropCounters;
  /** Messages handed to the client, and messages delivered to `onMessage`. */
  readonly stats = { sent: 0, delivered: 0 };
  readonly subject: string;
  private readonly options: NatsTransportOptions;
  private readonly scope: WireScope;
  private readonly subscription: Subscription;
  private closed = false;

  constructor(options: NatsTransportOptions) {
    this.options = options;
    this.counters = options.counters ?? createDropCounters();
    this.scope = {
      cluster: assertSubjectSafeName(options.cluster, 'cluster'),
      group: assertSubjectSafeName(options.group, 'group'),
    };
    this.subject = raftSubject(options.cluster, options.group, options.self);
    this.subscription = options.nc.subscribe(this.subject, {
      callback: (error, msg) => this.receive(error, msg),
    });
  }

  /**
   * Publishes every message to its recipient's raft subject, without awaiting: the client coalesces
   * all publishes made in one turn into one socket write. A message the client refuses is counted as
   * `send_failed` and the rest of the batch still goes out.
   */
  send(messages: readonly Message[]): void {
    if (this.closed) return;
    const { nc, cluster, group } = this.options;
    for (const message of messages) {
      try {
        nc.publish(raftSubject(cluster, group, message.to), encodeMessage(message, this.scope), {
          headers: consensusHeaders(message),
        });
        this.stats.sent++;
      } catch (error) {
        this.drop('send_failed', `to ${String(message.to)}: ${describe(error)}`);
      }
    }
  }

  /** Stops receiving; later `send` calls are ignored. The connection stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.subscription.unsubscribe();
    } catch {
      // The connection is already closed, which ends the subscription too.
    }
  }

  private receive(error: Error | null, msg: Msg): void {
    if (this.closed || error !== null) return;
    try {
      this.accept(msg);
    } catch (thrown) {
      this.drop('malformed', describe(thrown));
    }
  }

  private accept(msg: Msg): void {
    const decoded = decodeMessage(msg.data);
    if (!decoded.ok) return this.drop(decoded.code, decoded.reason);
    const { message, scope } = decoded;
    if (scope.cluster !== this.scope.cluster || scope.group !== this.scope.group) {
      return this.drop('foreign_cluster', `scope ${scope.cluster}/${scope.group}`);
    }
    if (message.to !== this.options.self) return this.drop('wrong_recipient', `to ${message.to}`);
    if (!receivedHeadersMatch(msg, message)) return this.drop('header_mismatch', `from ${message.from}`);
    if (!this.options.isMember(message.from)) return this.drop('non_member', `from ${message.from}`);
    try {
      this.options.onMessage(message);
      this.stats.delivered++;
    } catch (thrown) {
      this.drop('handler_error', describe(thrown));
    }
  }

  private drop(reason: DropReason, detail: string): void {
    this.counters[reason]++;
    try {
      this.options.onDrop?.(reason, detail);
    } catch {
      // onDrop is diagnostics only.
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The replica's transport port over one NATS connection (used by the Node and Durable Object hosts). */
export function natsTransportFactory(opts: {
  readonly nc: NatsConnection;
  readonly cluster: string;
  readonly self: NodeId;
  readonly counters: DropCounters;
  readonly group?: string;
}): TransportFactory {
  return (hooks) => {
    const transport = new NatsTransport({
      nc: opts.nc,
      cluster: opts.cluster,
      group: opts.group ?? DEFAULT_GROUP,
      self: opts.self,
      isMember: hooks.isMember,
      onMessage: hooks.deliver,
      counters: opts.counters,
    });
    return { send: (messages) => transport.send(messages), close: async () => transport.close() };
  };
}
