// What a host (a Node process, a Durable Object, the simulator) installs into a replica actor.
// The replica itself performs no I/O of its own: files, sockets and timers come through these ports.

import type { Message, NodeId } from '../raft/types.ts';

/** Sends consensus messages. `send` must not block; messages of one call go out in one flush. */
export interface Transport {
  send(messages: readonly Message[]): void;
  close(): Promise<void>;
}

export interface TransportHooks {
  /** Hands an incoming, already validated message to the replica's mailbox. */
  deliver(message: Message): void;
  /** Whether `id` is a current member of the cluster (others' messages are dropped and counted). */
  isMember(id: NodeId): boolean;
}

export type TransportFactory = (hooks: TransportHooks) => Transport;

/** A periodic callback source: setInterval on Node, setInterval plus alarms in a Durable Object. */
export interface Ticker {
  /** Calls `onTick` about every `intervalMs` until the returned function is called. */
  start(intervalMs: number, onTick: () => void): () => void;
}

/** Wall-clock milliseconds; used only outside the consensus core (log time stamps, metrics, status). */
export interface WallClock {
  now(): number;
}

export interface Logger {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

/** Cluster-level notifications (`atlas.<cluster>.events.<kind>`), published by the leader. */
export interface EventSink {
  publish(kind: 'leader' | 'commit' | 'member', payload: Record<string, unknown>): void;
}

export const systemClock: WallClock = { now: () => Date.now() };

export const intervalTicker: Ticker = {
  start(intervalMs, onTick) {
    const handle = setInterval(onTick, intervalMs);
    return () => clearInterval(handle);
  },
};

export const consoleLogger: Logger = {
  info: (line) => console.log(line),
  warn: (line) => console.warn(line),
  error: (line) => console.error(line),
};
