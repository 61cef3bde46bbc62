// Real nats-server processes and clients for tests. Everything started through a NatsTestBed is
// stopped by `bed.cleanup()` (call it in afterEach/afterAll), clients first.

import { connect } from '@nats-io/transport-node';
import type { NodeConnectionOptions } from '@nats-io/transport-node';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { startNatsCluster, startNatsServer } from '../../infra/node/nats-server.ts';
import type { NatsClusterHandle, NatsClusterStartOptions, NatsServerHandle, NatsServerOptions } from '../../infra/node/nats-server.ts';

export class NatsTestBed {
  private readonly servers: NatsServerHandle[] = [];
  private readonly clusters: NatsClusterHandle[] = [];
  private readonly connections: NatsConnection[] = [];

  async server(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
    const server = await startNatsServer(options);
    this.servers.push(server);
    return server;
  }

  async cluster(count: number, options: NatsClusterStartOptions = {}): Promise<NatsClusterHandle> {
    const cluster = await startNatsCluster(count, options);
    this.clusters.push(cluster);
    return cluster;
  }

  /** Registers a server started elsewhere (e.g. by `handle.restart()`) for cleanup. */
  adopt(server: NatsServerHandle): NatsServerHandle {
    this.servers.push(server);
    return server;
  }

  /** A client of `server` (or of a URL) that does not reconnect unless asked to. */
  async connect(target: NatsServerHandle | string, options: NodeConnectionOptions = {}): Promise<NatsConnection> {
    const servers = typeof target === 'string' ? target : target.url;
    const nc = await connect({ servers, reconnect: false, ...options });
    this.connections.push(nc);
    return nc;
  }

  async cleanup(): Promise<void> {
    await Promise.allSettled(this.connections.splice(0).map((nc) => nc.close()));
    await Promise.allSettled(this.clusters.splice(0).map((cluster) => cluster.stop()));
    await Promise.allSettled(this.servers.splice(0).map((server) => server.stop()));
  }
}

/** Subscribes now; resolves with the first `count` messages, rejects after `timeoutMs`. */
export function collect(nc: NatsConnection, subject: string, count: number, timeoutMs = 5_000): Promise<Msg[]> {
  const received: Msg[] = [];
  let settle: (error: Error | null) => void = () => {};
  const done = new Promise<Msg[]>((resolve, reject) => {
    settle = (error) => (error === null ? resolve(received) : reject(error));
  });
  const sub = nc.subscribe(subject, {
    callback: (error, msg) => {
      if (error !== null) return;
      received.push(msg);
      if (received.length === count) {
        clearTimeout(timer);
        sub.unsubscribe();
        settle(null);
      }
    },
  });
  const timer = setTimeout(() => {
    sub.unsubscribe();
    settle(new Error(`received ${received.length} of ${count} messages on ${subject} within ${timeoutMs} ms`));
  }, timeoutMs);
  return done;
}

/** Polls `predicate` until it holds; throws with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Resolves once `server` would deliver a message on `subject`: a local client subscribed to it
 * (/subsz), or a route announced interest in it (/routez).
 */
export async function waitForInterest(server: NatsServerHandle, subject: string, timeoutMs = 5_000): Promise<void> {
  await waitFor(
    async () => {
      const local = (await (await fetch(`${server.monitorUrl}/subsz?subs=1&test=${encodeURIComponent(subject)}`)).json()) as {
        subscriptions_list?: unknown[];
      };
      if ((local.subscriptions_list?.length ?? 0) > 0) return true;
      const routez = (await (await fetch(`${server.monitorUrl}/routez?subs=1`)).json()) as {
        routes?: { subscriptions_list?: string[] }[];
      };
      return (routez.routes ?? []).some((route) => (route.subscriptions_list ?? []).some((pattern) => subjectMatches(pattern, subject)));
    },
    `interest in ${subject} on ${server.url}`,
    timeoutMs,
  );
}

/** NATS subject matching: `*` matches one token, a final `>` one or more. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const wanted = pattern.split(' ')[0]!.split('.');
  const tokens = subject.split('.');
  for (let i = 0; i < wanted.length; i++) {
    if (wanted[i] === '>') return tokens.length > i;
    if (i >= tokens.length || (wanted[i] !== '*' && wanted[i] !== tokens[i])) return false;
  }
  return wanted.length === tokens.length;
}
