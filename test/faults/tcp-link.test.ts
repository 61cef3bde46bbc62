// The cuttable relay under NATS routes: open relays both ways, reset refuses, blackhole drops
// silently, and healing gives fresh connections.

import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpLink } from './tcp-link.ts';

let echo: Server;
let link: TcpLink;
beforeAll(async () => {
  echo = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.on('data', (data) => socket.write(data));
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
  link = await TcpLink.start({ host: '127.0.0.1', port: (echo.address() as AddressInfo).port });
});
afterAll(async () => {
  await link?.close();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

interface Probe {
  readonly socket: Socket;
  received: string;
  closed: boolean;
}

async function open(): Promise<Probe> {
  const socket = connect({ host: '127.0.0.1', port: link.port });
  const probe: Probe = { socket, received: '', closed: false };
  socket.on('data', (data) => (probe.received += data.toString()));
  socket.on('error', () => undefined);
  socket.on('close', () => (probe.closed = true));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return probe;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('TcpLink', () => {
  it('relays while open, drops silently in blackhole, resets in reset, and relays again after healing', async () => {
    const first = await open();
    first.socket.write('hello');
    await sleep(100);
    expect(first.received).toBe('hello');

    link.setMode('blackhole');
    first.socket.write('lost');
    const held = await open();
    held.socket.write('also lost');
    await sleep(200);
    expect(first.received).toBe('hello');
    expect(held.received).toBe('');
    expect(first.closed || held.closed).toBe(false);

    link.setMode('reset');
    await sleep(100);
    expect(first.closed && held.closed).toBe(true);
    const refused = connect({ host: '127.0.0.1', port: link.port });
    const refusedClosed = await new Promise<boolean>((resolve) => {
      refused.on('error', () => undefined);
      refused.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 2_000);
    });
    expect(refusedClosed).toBe(true);

    link.setMode('open');
    const healed = await open();
    healed.socket.write('again');
    await sleep(100);
    expect(healed.received).toBe('again');
    healed.socket.destroy();
  });

  it('resets the connections a blackhole held when the link opens again (their streams have gaps)', async () => {
    const probe = await open();
    link.setMode('blackhole');
    probe.socket.write('dropped');
    await sleep(100);
    link.setMode('open');
    await sleep(100);
    expect(probe.closed).toBe(true);
  });
});
