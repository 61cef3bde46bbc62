// Free TCP ports on the loopback interface, chosen by the OS. A port is free when returned, not
// reserved: another process may take it before the caller binds it. Prefer letting the server choose
// (`port: -1` in nats-server) when the caller can learn the chosen port afterwards.

import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return freePorts(1, host).then(([port]) => port!);
}

/** `count` distinct free ports: all are held open together before any is released. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        const server = createServer();
        server.unref();
        server.once('error', reject);
        server.listen(0, host, () => resolve(server));
      });
    }),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}
