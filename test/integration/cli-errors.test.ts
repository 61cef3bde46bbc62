// Issue 3: the CLI fails fast with one clear line when it cannot run: `atlas dev` without any
// nats-server and without ATLAS_NATS_URL, and `atlas replica` on a data directory whose log segment
// has a corrupted record in the middle (the line names the file and the record's offset). A second
// `atlas replica` on a data directory a live replica holds is refused the same way; once the holder
// is killed, a replica starts on that directory again.

import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../infra/node/free-port.ts';
import { startNatsServer, type NatsServerHandle } from '../../infra/node/nats-server.ts';
import { RECORD_HEADER_BYTES } from '../../infra/node/file-segment-format.ts';
import { waitUntil } from '../helpers/process-cluster.ts';

const REPO = resolve(import.meta.dirname, '../..');
const MAIN = join(REPO, 'infra/cli/main.ts');

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
  readonly elapsedMs: number;
}

/** Runs `atlas <args>` to completion (SIGKILL after `timeoutMs`), stdout and stderr interleaved. */
function runAtlas(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Exit> {
  const startedAt = Date.now();
  return new Promise((resolveExit, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolveExit({ code, signal, output, elapsedMs: Date.now() - startedAt });
    });
  });
}

/** The environment of the test process without any ATLAS_* variable. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ATLAS_')));
}

const lines = (output: string) => output.split('\n').map((l) => l.trim()).filter((l) => l !== '');

let scratch: string;
let nats: NatsServerHandle;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'atlas-cli-errors-'));
  nats = await startNatsServer({});
});
afterAll(async () => {
  await nats?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('CLI errors with real processes', () => {
  it('atlas dev without nats-server and without ATLAS_NATS_URL exits non-zero with one line saying what to do', async () => {
    const [httpPort] = await freePorts(1);
    const env = {
      ...cleanEnv(),
      // Only node's own directory: no nats-server on PATH; ATLAS_NATS_SERVER names a missing binary so
      // the /usr/sbin fallback does not find the one installed on this machine.
      PATH: dirname(process.execPath),
      ATLAS_NATS_SERVER: join(scratch, 'not-installed', 'nats-server'),
    };
    const exit = await runAtlas(['dev', '--data', join(scratch, 'dev-data'), '--http', String(httpPort)], env);
    console.log(`atlas dev without nats-server: exit ${exit.code} after ${exit.elapsedMs} ms: ${exit.output.trim()}`);
    expect(exit.signal).toBeNull();
    expect(exit.code).not.toBe(0);
    expect(lines(exit.output)).toHaveLength(1);
    const line = lines(exit.output)[0]!;
    expect(line).toMatch(/nats-server/);
    expect(line).toMatch(/apt-get install/);
    expect(line).toMatch(/ATLAS_NATS_URL/);
    // Nothing was left serving.
    await expect(fetch(`http://127.0.0.1:${httpPort}/health`)).rejects.toThrow();
  });

  it('atlas replica and atlas dev on a taken HTTP port exit non-zero with one line naming the port, leaving nothing running', async () => {
    const [takenPort] = await freePorts(1);
    const holder = createServer();
    await new Promise<void>((ok) => holder.listen(takenPort, '127.0.0.1', () => ok()));
    try {
      const replica = await runAtlas(['replica', '--id', 'r1', '--peers', 'r1', '--cluster', 'clierr-port', '--nats', nats.url, '--data', join(scratch, 'port-r1'), '--http', String(takenPort)], cleanEnv());
      console.log(`atlas replica on a taken port: exit ${replica.code} after ${replica.elapsedMs} ms: ${replica.output.trim()}`);
      expect(replica.signal).toBeNull();
      expect(replica.code).toBe(1);
      expect(lines(replica.output).at(-1)).toBe(`atlas: 127.0.0.1:${takenPort} is already in use: stop what listens there or choose another port with --http`);

      // atlas dev whose gateway port is taken: its replicas (on the ports after it) are stopped again.
      const devData = join(scratch, 'port-dev');
      const dev = await runAtlas(['dev', '--http', String(takenPort), '--data', devData], { ...cleanEnv(), ATLAS_NATS_URL: nats.url, ATLAS_CLUSTER: 'clierr-dev' });
      expect(dev.signal).toBeNull();
      expect(dev.code).toBe(1);
      expect(lines(dev.output).at(-1)).toBe(`atlas: 127.0.0.1:${takenPort} is already in use: stop what listens there or choose another port with --http`);
      const survivors = spawnSync('pgrep', ['-f', '--', `--data ${devData}`], { encoding: 'utf8' }).stdout.trim();
      expect(survivors).toBe('');
    } finally {
      await new Promise<void>((ok) => holder.close(() => ok()));
    }
  });

  it('atlas replica on a log segment with a corrupted record in the middle exits non-zero naming the file and offset', async () => {
    const dataDir = join(scratch, 'r1');
    const [httpPort] = await freePorts(1);
    const args = ['replica', '--id', 'r1', '--peers', 'r1', '--cluster', 'clierr', '--nats', nats.url, '--data', dataDir, '--http', String(httpPort!)];
    const url = `http://127.0.0.1:${httpPort}`;

    // A healthy single-replica cluster writes a few entries, then stops cleanly.
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await waitUntil(
        'the replica to lead',
        async () => ((await (await fetch(`${url}/v1/leader`)).json()) as { leader: string | null }).leader === 'r1',
        45_000,
      );
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${url}/v1/kv/cli-${i}`, { method: 'PUT', body: `value-${i}` });
        expect(res.status).toBe(200);
      }
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${String(error)}\n--- replica output\n${output}`);
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    // Flip one payload byte of the middle record of the segment holding the most records.
    const logDir = join(dataDir, 'log');
    const segments = readdirSync(logDir).filter((f) => f.endsWith('.seg')).map((f) => {
      const path = join(logDir, f);
      const bytes = readFileSync(path);
      const offsets: number[] = [];
      for (let offset = 0; offset + RECORD_HEADER_BYTES <= bytes.length; ) {
        const length = bytes.readUInt32LE(offset);
        if (length === 0) break; // the zeros the store preallocates after the records
        offsets.push(offset);
        offset += RECORD_HEADER_BYTES + length;
      }
      return { path, bytes, offsets };
    });
    const segment = segments.sort((a, b) => b.offsets.length - a.offsets.length)[0]!;
    expect(segment.offsets.length).toBeGreaterThanOrEqual(10);
    const victim = segment.offsets[Math.floor(segment.offsets.length / 2)]!;
    segment.bytes[victim + RECORD_HEADER_BYTES + 1]! ^= 0xff;
    writeFileSync(segment.path, segment.bytes);

    const exit = await runAtlas(args, cleanEnv());
    console.log(
      `atlas replica on a corrupted segment (${segment.offsets.length} records, record at offset ${victim} damaged): exit ${exit.code} after ${exit.elapsedMs} ms: ${exit.output.trim()}`,
    );
    expect(exit.signal).toBeNull();
    expect(exit.code).not.toBe(0);
    expect(lines(exit.output)).toHaveLength(1);
    const line = lines(exit.output)[0]!;
    expect(line).toContain(segment.path);
    expect(line).toMatch(new RegExp(`offset ${victim}\\b`));
    // It refused before serving anything.
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('a second atlas replica on a data directory in use exits non-zero naming the holder; after the holder is killed it starts', async () => {
    const dataDir = join(scratch, 'held');
    const [httpPort, secondPort] = await freePorts(2);
    const args = (port: number) => ['replica', '--id', 'h1', '--peers', 'h1', '--cluster', 'clilock', '--nats', nats.url, '--data', dataDir, '--http', String(port)];
    const startHolder = (port: number) => {
      const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args(port)], { cwd: REPO, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      const leads = async () => {
        try {
          await waitUntil(
            'the replica to lead',
            async () => ((await (await fetch(`http://127.0.0.1:${port}/v1/leader`)).json()) as { leader: string | null }).leader === 'h1',
            45_000,
          );
        } catch (error) {
          child.kill('SIGKILL');
          throw new Error(`${String(error)}\n--- replica output\n${output}`);
        }
      };
      return { child, exited, leads };
    };

    const holder = startHolder(httpPort!);
    await holder.leads();
    const second = await runAtlas(args(secondPort!), cleanEnv());
    console.log(`second atlas replica on a held data directory: exit ${second.code} after ${second.elapsedMs} ms: ${second.output.trim()}`);
    expect(second.signal).toBeNull();
    expect(second.code).not.toBe(0);
    expect(lines(second.output)).toHaveLength(1);
    expect(lines(second.output)[0]).toContain(`${dataDir} is in use by process ${holder.child.pid}`);
    await expect(fetch(`http://127.0.0.1:${secondPort}/health`)).rejects.toThrow();
    // The holder kept serving.
    expect((await fetch(`http://127.0.0.1:${httpPort}/v1/kv/held`, { method: 'PUT', body: 'still here' })).status).toBe(200);

    // A killed holder leaves its LOCK behind; the next replica replaces it and recovers the write.
    holder.child.kill('SIGKILL');
    await holder.exited;
    const next = startHolder(secondPort!);
    try {
      await next.leads();
      const res = await fetch(`http://127.0.0.1:${secondPort}/v1/kv/held`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('still here');
    } finally {
      next.child.kill('SIGTERM');
      await next.exited;
    }
  });
});
