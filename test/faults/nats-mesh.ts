// A full mesh of nats-server processes whose routes all run through TcpLinks, so the nemesis can cut
// the network between any two servers. NATS routes are one hop: a message published on server A
// reaches a subscriber on server C only over the A–C route, never relayed through B. Cutting the A–C
// link therefore separates exactly A's and C's clients while both still reach B's (a bridge).
//
// Each server:
// - advertises an unreachable route address, so a server that lost a link never learns a way around
//   its relay from another server's gossip (an implicit route); explicit routes go through the relays
//   and are retried forever;
// - does not advertise cluster URLs to clients, so a client (a replica) only ever talks to the one
//   server it was given, also after a reconnect;
// - pings every PING_INTERVAL and drops a peer after PING_MAX missed pongs: a blackholed route or a
//   paused client is noticed after a few seconds.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../infra/node/free-port.ts';
import { NatsServerStartError, routeCount, startNatsServer, type NatsServerHandle } from '../../infra/node/nats-server.ts';
import { TcpLink, type LinkMode } from './tcp-link.ts';

const HOST = '127.0.0.1';
const PING_INTERVAL = '1s';
const PING_MAX = 3;
/** Advertised instead of the real route address; nothing listens on port 1. */
const UNREACHABLE_ROUTE = `${HOST}:1`;

export interface MeshServer {
  readonly name: string;
  readonly handle: NatsServerHandle;
  readonly clusterPort: number;
}

export class NatsMesh {
  /** `links.get(a).get(b)`: the relay carrying routes that `a` dials to `b`. */
  readonly #links = new Map<string, Map<string, TcpLink>>();
  readonly #servers = new Map<string, MeshServer>();
  #paused = new Set<string>();

  private constructor(
    readonly names: readonly string[],
    private readonly configDir: string,
  ) {}

  /**
   * Starts one server per name, fully meshed through relays, and waits until every route is up.
   * Every port is chosen up front (distinct from each other); the start is retried when another
   * process took one of them meanwhile.
   */
  static async start(names: readonly string[], clusterName = 'atlas-faults'): Promise<NatsMesh> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await NatsMesh.startOnce(names, clusterName);
      } catch (error) {
        const portTaken = error instanceof NatsServerStartError && /address already in use/i.test(error.stderr);
        if (!portTaken || attempt >= 3) throw error;
      }
    }
  }

  private static async startOnce(names: readonly string[], clusterName: string): Promise<NatsMesh> {
    const mesh = new NatsMesh(names, mkdtempSync(join(tmpdir(), 'atlas-mesh-')));
    try {
      const ports = await freePorts(names.length * 3, HOST);
      const portsOf = new Map(names.map((name, i) => [name, { cluster: ports[3 * i]!, client: ports[3 * i + 1]!, monitor: ports[3 * i + 2]! }]));
      for (const from of names) {
        const row = new Map<string, TcpLink>();
        for (const to of names) {
          if (to !== from) row.set(to, await TcpLink.start({ host: HOST, port: portsOf.get(to)!.cluster }));
        }
        mesh.#links.set(from, row);
      }
      const started = await Promise.allSettled(
        names.map(async (name) => {
          const configFile = join(mesh.configDir, `${name}.conf`);
          const routes = [...mesh.#links.get(name)!.values()].map((link) => `nats-route://${HOST}:${link.port}`);
          const own = portsOf.get(name)!;
          writeFileSync(configFile, renderMeshConfig(clusterName, own.cluster, routes));
          const handle = await startNatsServer({ configFile, serverName: name, host: HOST, port: own.client, monitorPort: own.monitor });
          mesh.#servers.set(name, { name, handle, clusterPort: own.cluster });
        }),
      );
      const failure = started.find((result) => result.status === 'rejected');
      if (failure) throw (failure as PromiseRejectedResult).reason;
      await mesh.waitForFullMesh(15_000);
      return mesh;
    } catch (error) {
      if (!(error instanceof NatsServerStartError)) {
        for (const server of mesh.#servers.values()) console.error(`--- ${server.name} log tail\n${server.handle.stderr().slice(-2_000)}`);
      }
      await mesh.stop();
      throw error;
    }
  }

  url(name: string): string {
    return this.server(name).handle.url;
  }

  server(name: string): MeshServer {
    const server = this.#servers.get(name);
    if (!server) throw new Error(`no NATS server named ${name}`);
    return server;
  }

  /** Sets both directions of the link between `a` and `b`. */
  setLink(a: string, b: string, mode: LinkMode): void {
    this.#link(a, b).setMode(mode);
    this.#link(b, a).setMode(mode);
  }

  linkMode(a: string, b: string): LinkMode {
    return this.#link(a, b).mode;
  }

  /** Opens every link. Paused servers stay paused. */
  healLinks(): void {
    for (const row of this.#links.values()) for (const link of row.values()) link.setMode('open');
  }

  /** SIGSTOP / SIGCONT of one server process: every route and client of it stalls, then resumes. */
  pause(name: string): void {
    this.server(name).handle.kill('SIGSTOP');
    this.#paused.add(name);
  }

  resume(name: string): void {
    this.server(name).handle.kill('SIGCONT');
    this.#paused.delete(name);
  }

  resumeAll(): void {
    for (const name of [...this.#paused]) this.resume(name);
  }

  /** Links currently not open, as `a–b: mode`, for logs. */
  describeCuts(): string[] {
    const cuts: string[] = [];
    for (const [i, a] of this.names.entries()) {
      for (const b of this.names.slice(i + 1)) {
        const mode = this.#link(a, b).mode;
        if (mode !== 'open') cuts.push(`${a}–${b}: ${mode}`);
      }
    }
    return cuts;
  }

  /** Route counts per server as /routez reports them (-1: no answer, e.g. paused). */
  async routeCounts(): Promise<Map<string, number>> {
    const counts = await Promise.all(this.names.map(async (name) => [name, await routeCount(this.server(name).handle)] as const));
    return new Map(counts);
  }

  /** Waits until every server has a route to every other one (after a heal). */
  async waitForFullMesh(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const counts = await this.routeCounts();
      if ([...counts.values()].every((n) => n === this.names.length - 1)) return;
      if (Date.now() > deadline) {
        throw new Error(`NATS mesh not whole within ${timeoutMs} ms: routes ${[...counts].map(([n, c]) => `${n}=${c}`).join(' ')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.resumeAll();
    await Promise.all([...this.#servers.values()].map((server) => server.handle.stop()));
    await Promise.all([...this.#links.values()].flatMap((row) => [...row.values()].map((link) => link.close())));
    rmSync(this.configDir, { recursive: true, force: true });
  }

  #link(from: string, to: string): TcpLink {
    const link = this.#links.get(from)?.get(to);
    if (!link) throw new Error(`no link ${from} -> ${to}`);
    return link;
  }
}

function renderMeshConfig(clusterName: string, clusterPort: number, routes: readonly string[]): string {
  return [
    `ping_interval: "${PING_INTERVAL}"`,
    `ping_max: ${PING_MAX}`,
    'max_payload: 8388608',
    'cluster {',
    `  name: ${JSON.stringify(clusterName)}`,
    `  listen: "${HOST}:${clusterPort}"`,
    `  advertise: "${UNREACHABLE_ROUTE}"`,
    '  no_advertise: true',
    `  routes: [${routes.map((route) => JSON.stringify(route)).join(', ')}]`,
    '}',
    '',
  ].join('\n');
}
