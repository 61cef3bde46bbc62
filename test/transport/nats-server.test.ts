import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  NatsServerMissingError,
  NatsServerStartError,
  findNatsServer,
  routeCount,
  waitForRoutes,
} from '../../infra/node/nats-server.ts';
import { freePort, freePorts } from '../../infra/node/free-port.ts';
import { NatsTestBed, collect, waitFor, waitForInterest } from '../helpers/nats.ts';

const DEV_CONF = resolve('infra/nats/dev.conf');
const SECURE_CONF = resolve('infra/nats/secure.conf');
const SECURE_ENV = { ATLAS_NATS_REPLICA_PASSWORD: 'replica-secret', ATLAS_NATS_CLIENT_PASSWORD: 'client-secret' };
const bed = new NatsTestBed();
afterEach(() => bed.cleanup());

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const socket = tcpConnect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolvePort(true);
    });
    socket.once('error', () => resolvePort(false));
  });
}

async function roundTrip(publisher: NatsConnection, subscriber: NatsConnection, subject: string): Promise<Msg> {
  const received = collect(subscriber, subject, 1);
  await subscriber.flush();
  publisher.publish(subject, 'ping');
  return (await received)[0]!;
}

describe('findNatsServer', () => {
  it('finds the installed binary', () => {
    expect(findNatsServer()).toMatch(/\/nats-server$/);
  });

  it('throws a one-line, actionable error when nats-server is missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'atlas-empty-path-'));
    try {
      for (const options of [{ pathEnv: '', fallbackDirs: [] }, { pathEnv: empty, fallbackDirs: [] }]) {
        let error: unknown;
        try {
          findNatsServer(options);
        } catch (thrown) {
          error = thrown;
        }
        expect(error).toBeInstanceOf(NatsServerMissingError);
        const message = (error as Error).message;
        expect(message).not.toContain('\n');
        expect(message).toContain('apt-get install -y nats-server');
        expect(message).toContain('ATLAS_NATS_URL');
      }
    } finally {
      rmSync(empty, { recursive: true });
    }
  });
});

describe('freePort', () => {
  it('returns distinct bindable ports', async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(await portOpen(port)).toBe(false);
  });
});

describe('startNatsServer', () => {
  it('starts on free ports, serves clients, websocket and monitoring, and stops', async () => {
    const server = await bed.server();
    expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    expect(server.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const varz = (await (await fetch(`${server.monitorUrl}/varz`)).json()) as { max_payload: number; port: number };
    expect(varz).toMatchObject({ max_payload: 8 * 1024 * 1024, port: server.port });
    const nc = await bed.connect(server);
    expect((await roundTrip(nc, nc, 'atlas.dev.events.leader')).string()).toBe('ping');
    expect(await portOpen(Number(new URL(server.wsUrl!).port))).toBe(true);

    await server.stop();
    expect(await server.exited).not.toBeUndefined();
    expect(await portOpen(server.port)).toBe(false);
    await server.stop();
  });

  it('fails with a clear error carrying the server log when a port is taken', async () => {
    const first = await bed.server();
    const error = await bed.server({ port: first.port }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(NatsServerStartError);
    expect((error as Error).message).toMatch(/exited with code/);
    expect((error as NatsServerStartError).stderr).toMatch(/address already in use/);
  });

  it('fails at once when the binary cannot run', async () => {
    const error = await bed.server({ binary: '/nonexistent/nats-server' }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(NatsServerStartError);
    expect((error as Error).message).toMatch(/could not run/);
  });

  it('enforces user/password and token auth', async () => {
    const withUser = await bed.server({ auth: { user: 'atlas', pass: 's3cret' } });
    await expect(bed.connect(withUser)).rejects.toThrow();
    const nc = await bed.connect(withUser, { user: 'atlas', pass: 's3cret' });
    expect((await roundTrip(nc, nc, 'atlas.dev.chat.user.alice')).string()).toBe('ping');

    const withToken = await bed.server({ auth: { token: 'tok-123' } });
    await expect(bed.connect(withToken, { token: 'wrong' })).rejects.toThrow();
    await bed.connect(withToken, { token: 'tok-123' });
  });

  it('enables JetStream in the given store dir', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'atlas-js-'));
    try {
      const server = await bed.server({ jetstream: { storeDir } });
      const jsz = (await (await fetch(`${server.monitorUrl}/jsz`)).json()) as { config?: { store_dir?: string } };
      expect(jsz.config?.store_dir).toContain(storeDir);
    } finally {
      await bed.cleanup();
      rmSync(storeDir, { recursive: true, force: true });
    }
  });

  it('restarts on the same ports after a SIGKILL', async () => {
    const server = await bed.server();
    server.kill('SIGKILL');
    expect(await server.exited).toBeNull();
    const again = bed.adopt(await server.restart());
    expect([again.url, again.wsUrl, again.monitorUrl]).toEqual([server.url, server.wsUrl, server.monitorUrl]);
    expect(again.pid).not.toBe(server.pid);
  });
});

describe('startNatsCluster', () => {
  it('routes three servers in a full mesh, survives one stopping, and heals when it restarts', async () => {
    const cluster = await bed.cluster(3);
    for (const server of cluster.servers) expect(await routeCount(server)).toBe(2);
    const [a, b, c] = await Promise.all(cluster.servers.map((server) => bed.connect(server)));

    const atC = collect(c!, 'atlas.dev.raft.g0.r3', 1);
    await c!.flush();
    await waitForInterest(cluster.servers[0]!, 'atlas.dev.raft.g0.r3');
    a!.publish('atlas.dev.raft.g0.r3', 'from a');
    expect((await atC)[0]!.string()).toBe('from a');

    // Partition server 2 away by stopping it; 1 and 3 keep their direct route.
    await cluster.servers[1]!.stop();
    await waitFor(async () => (await routeCount(cluster.servers[0]!)) === 1, 'server 1 to notice the loss');
    const stillAtC = collect(c!, 'atlas.dev.raft.g0.r3', 1);
    await c!.flush();
    // A fresh subscription: server 1 learns of it over the route asynchronously, like the first one.
    await waitForInterest(cluster.servers[0]!, 'atlas.dev.raft.g0.r3');
    a!.publish('atlas.dev.raft.g0.r3', 'still routed');
    expect((await stillAtC)[0]!.string()).toBe('still routed');
    await b!.closed();
    expect(b!.isClosed()).toBe(true);

    const restarted = bed.adopt(await cluster.servers[1]!.restart());
    await waitForRoutes([cluster.servers[0]!, restarted, cluster.servers[2]!], 2);
    const b2 = await bed.connect(restarted);
    const atB = collect(b2, 'atlas.dev.raft.g0.r2', 1);
    await b2.flush();
    await waitForInterest(cluster.servers[2]!, 'atlas.dev.raft.g0.r2');
    c!.publish('atlas.dev.raft.g0.r2', 'healed');
    expect((await atB)[0]!.string()).toBe('healed');
  });
});

describe('shipped configs', () => {
  it('nats-server -t accepts dev.conf, and secure.conf once its password variables are set', () => {
    const binary = findNatsServer();
    expect(spawnSync(binary, ['-c', DEV_CONF, '-t'], { encoding: 'utf8' }).status).toBe(0);
    const withoutEnv = spawnSync(binary, ['-c', SECURE_CONF, '-t'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(withoutEnv.status).not.toBe(0);
    expect(withoutEnv.stderr).toMatch(/ATLAS_NATS_REPLICA_PASSWORD/);
    const withEnv = spawnSync(binary, ['-c', SECURE_CONF, '-t'], { encoding: 'utf8', env: { PATH: process.env.PATH, ...SECURE_ENV } });
    expect(withEnv.status, withEnv.stderr).toBe(0);
  });

  it('dev.conf: 8 MB payloads and a websocket listener that wsconnect (Node 20, --experimental-websocket) can use', async () => {
    // dev.conf's own ports (4222/4223/8222) may be in use on a shared machine: override only the ports.
    const server = await bed.server({ configFile: DEV_CONF, port: -1, wsPort: -1, monitorPort: -1 });
    const varz = (await (await fetch(`${server.monitorUrl}/varz`)).json()) as { max_payload: number; websocket?: { no_tls?: boolean } };
    expect(varz.max_payload).toBe(8 * 1024 * 1024);
    expect(varz.websocket?.no_tls).toBe(true);

    const script = `
      import { wsconnect } from '@nats-io/nats-core';
      const nc = await wsconnect({ servers: ${JSON.stringify(server.wsUrl)} });
      const sub = nc.subscribe('atlas.dev.events.commit', { max: 1 });
      await nc.flush();
      nc.publish('atlas.dev.events.commit', 'over websocket');
      for await (const m of sub) console.log('got:' + m.string());
      await nc.close();
    `;
    const output = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveRun) => {
      const child = spawn(process.execPath, ['--experimental-websocket', '--no-warnings', '--input-type=module', '-e', script], {
        cwd: resolve('.'),
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolveRun({ code, stdout, stderr });
      });
    });
    expect(output.stdout, output.stderr).toContain('got:over websocket');
    expect(output.code).toBe(0);
  });

  it('secure.conf: only replicas publish consensus traffic; clients use the API and read events', async () => {
    const server = await bed.server({ configFile: SECURE_CONF, port: -1, monitorPort: -1, env: SECURE_ENV });
    await expect(bed.connect(server)).rejects.toThrow();
    const replica = await bed.connect(server, { user: 'replica', pass: SECURE_ENV.ATLAS_NATS_REPLICA_PASSWORD });
    const client = await bed.connect(server, { user: 'client', pass: SECURE_ENV.ATLAS_NATS_CLIENT_PASSWORD });

    const seenByReplica: string[] = [];
    for (const subject of ['atlas.dev.raft.>', 'atlas.dev.api.>']) {
      replica.subscribe(subject, {
        callback: (error, msg) => {
          seenByReplica.push(error === null ? `${msg.subject} ${msg.string()}` : `error ${error.message}`);
        },
      });
    }
    await replica.flush();
    // Same publisher, same subscriber: had the client's raft publish been allowed, it would arrive
    // before the client's API request.
    client.publish('atlas.dev.raft.g0.r1', 'forged vote');
    client.publish('atlas.dev.api.kv.get', 'request');
    replica.publish('atlas.dev.raft.g0.r2', 'append');
    await waitFor(() => seenByReplica.length >= 2, 'the allowed messages');
    await replica.flush();
    expect([...seenByReplica].sort()).toEqual(['atlas.dev.api.kv.get request', 'atlas.dev.raft.g0.r2 append']);

    replica.subscribe('atlas.dev.api.status', {
      callback: (_, msg) => {
        msg.respond('{"role":"leader"}');
      },
    });
    await replica.flush();
    expect((await client.request('atlas.dev.api.status', '{}', { timeout: 2_000 })).string()).toBe('{"role":"leader"}');

    const events = collect(client, 'atlas.dev.events.leader', 1);
    await client.flush();
    replica.publish('atlas.dev.events.leader', 'r1');
    expect((await events)[0]!.string()).toBe('r1');

    let subscribeError: Error | null = null;
    client.subscribe('atlas.dev.raft.>', {
      callback: (error) => {
        subscribeError ??= error;
      },
    });
    await waitFor(() => subscribeError !== null, 'the subscription to be refused');
    expect(String(subscribeError)).toMatch(/permission/i);
  });
});

afterAll(() => bed.cleanup());
