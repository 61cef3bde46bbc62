// A one-way TCP relay the nemesis can cut: connections accepted on `port` are relayed to `target`.
// Every NATS route between two servers runs through one of these in each direction, so a network
// partition between two servers is a pair of relays switched away from `open`.
//
// Modes:
//   open       relay bytes both ways;
//   reset      existing connections are reset (RST) and new ones are reset as soon as accepted:
//              a refused/unreachable peer, noticed at once;
//   blackhole  existing and new connections stay open but every byte is dropped in both directions:
//              a silent packet loss, noticed only by the endpoints' ping timeouts.
// Leaving `blackhole` resets the connections it held: their byte streams have gaps.

import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export type LinkMode = 'open' | 'reset' | 'blackhole';

interface Relay {
  readonly client: Socket;
  upstream: Socket | null;
}

export class TcpLink {
  #mode: LinkMode = 'open';
  readonly #relays = new Set<Relay>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly target: { readonly host: string; readonly port: number },
  ) {}

  /** Listens on a free loopback port and relays to `target`. */
  static async start(target: { readonly host: string; readonly port: number }): Promise<TcpLink> {
    let link: TcpLink | null = null;
    const server = createServer((client) => {
      if (link) link.accept(client);
      else client.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    link = new TcpLink(server, (server.address() as AddressInfo).port, target);
    return link;
  }

  get mode(): LinkMode {
    return this.#mode;
  }

  /** Live relayed connections (for diagnostics). */
  get connections(): number {
    return this.#relays.size;
  }

  setMode(mode: LinkMode): void {
    const previous = this.#mode;
    if (previous === mode) return;
    this.#mode = mode;
    if (mode === 'reset' || previous === 'blackhole') {
      for (const relay of [...this.#relays]) this.#drop(relay);
      return;
    }
    if (mode === 'blackhole') {
      for (const relay of this.#relays) this.#silence(relay);
    }
  }

  async close(): Promise<void> {
    for (const relay of [...this.#relays]) this.#drop(relay);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.#mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const relay: Relay = { client, upstream: null };
    this.#relays.add(relay);
    client.once('close', () => this.#drop(relay));
    if (this.#mode === 'blackhole') {
      this.#silence(relay);
      return;
    }
    client.setNoDelay(true);
    const upstream = connect({ host: this.target.host, port: this.target.port });
    relay.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('error', () => undefined);
    upstream.once('close', () => this.#drop(relay));
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Stops relaying and discards whatever arrives from now on, keeping both sockets open. */
  #silence(relay: Relay): void {
    relay.client.unpipe();
    relay.upstream?.unpipe();
    relay.client.removeAllListeners('data');
    relay.upstream?.removeAllListeners('data');
    relay.client.on('data', () => undefined);
    relay.upstream?.on('data', () => undefined);
    relay.client.resume();
    relay.upstream?.resume();
  }

  #drop(relay: Relay): void {
    if (!this.#relays.delete(relay)) return;
    relay.client.unpipe();
    relay.upstream?.unpipe();
    if (!relay.client.destroyed) relay.client.resetAndDestroy();
    if (relay.upstream && !relay.upstream.destroyed) relay.upstream.resetAndDestroy();
  }
}
