// `atlas chat-bot` and `atlas chat` as real processes over HTTP, against a real in-process cluster
// served on a loopback port: a short bot run publishes seed 001's messages, and the interactive
// client, driven through piped stdin, logs in, creates a channel, publishes and lists.

import { serve, type ServerType } from '@hono/node-server';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../infra/node/free-port.ts';
import { BOT_MESSAGES } from '../../infra/cli/chat-bot.ts';
import { ChatCluster } from './harness.ts';

const CLI = resolve(import.meta.dirname, '../../infra/cli');

let chat: ChatCluster;
let server: ServerType;
let url: string;

beforeAll(async () => {
  chat = await ChatCluster.start();
  const [port] = await freePorts(1);
  const app = await chat.followerApp();
  server = await new Promise<ServerType>((ready) => {
    const s = serve({ fetch: app.fetch, port: port!, hostname: '127.0.0.1' }, () => ready(s));
  });
  url = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await new Promise<void>((done) => server?.close(() => done()));
  await chat?.stop();
});

/** Runs `entry(parseArgs(argv))` from infra/cli in a node process, feeding `stdin`. */
function runCli(module: string, entry: string, argv: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = [
    `import { ${entry} } from ${JSON.stringify(`${CLI}/${module}`)};`,
    `import { parseArgs } from ${JSON.stringify(`${CLI}/args.ts`)};`,
    `process.exitCode = await ${entry}(parseArgs(process.argv.slice(1)));`,
  ].join('\n');
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, '--', ...argv], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ATLAS_URL: '', ATLAS_TOKEN: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${module} did not exit\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

async function getJson(path: string): Promise<any> {
  const res = await fetch(`${url}${path}`);
  expect(res.status).toBe(200);
  return res.json();
}

describe('atlas chat-bot', () => {
  it('three bots log in as bot_XXXXX and each publishes 10 messages from the fixed list', async () => {
    const run = await runCli('chat-bot.ts', 'runChatBot', ['--bots', '3', '--rounds', '1', '--pause-ms', '0', '--url', url]);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('chat-bot: 30 messages published, 0 failed requests');

    const users = ((await getJson('/v1/chat/users')).users as string[]).filter((u) => u.startsWith('bot_'));
    expect(users).toHaveLength(3);
    for (const user of users) expect(user).toMatch(/^bot_\d{5}$/);
    const channels = (await getJson('/v1/chat/channels')).channels as string[];
    expect(channels).toContain('geral');
    const messages = (await getJson('/v1/chat/channels/geral/messages?limit=1000')).messages as Array<{ user: string; message: string; clock: number }>;
    const byBots = messages.filter((m) => users.includes(m.user));
    expect(byBots).toHaveLength(30);
    for (const user of users) expect(byBots.filter((m) => m.user === user)).toHaveLength(10);
    for (const m of byBots) expect(BOT_MESSAGES).toContain(m.message);
    // Each bot keeps a Lamport clock: it only grows, and after each reply it is past the reply's clock.
    for (const user of users) {
      const printed = [...run.stdout.matchAll(new RegExp(`\\[${user} clock=(\\d+)\\] #geral: `, 'g'))].map((m) => Number(m[1]));
      const committed = byBots.filter((m) => m.user === user).map((m) => m.clock);
      expect(printed).toHaveLength(10);
      printed.forEach((clock, i) => {
        expect(clock).toBeGreaterThan(committed[i]!);
        if (i > 0) expect(clock).toBeGreaterThan(printed[i - 1]!);
      });
    }
    expect(run.stdout).toMatch(/\[bot_\d{5} clock=\d+\] #geral: /);
  });
});

describe('atlas chat', () => {
  it('logs in, creates a channel, publishes, lists, sends a private message and reads history from piped stdin', async () => {
    const input = [
      'carla', // name
      '2', 'sala', // create channel
      '2', 'sala', // again: 412, reported, the client goes on
      '3', // list channels
      '5', 'sala', 'Olá, sala!', // publish
      '6', 'carla', 'nota para mim', // private message to self
      '1', // list users
      '8', 'sala', // history
      '9', // inbox
      '5', 'nada', 'x', // publish to an unknown channel: 404, reported
      '7',
    ].join('\n');
    const run = await runCli('chat.ts', 'runChat', ['--url', url], `${input}\n`);
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/Logged in as carla \(new user\) \[clock \d+\]/);
    expect(out).toMatch(/Channel sala created/);
    expect(out).toMatch(/error: channel "sala" already exists \(412 precondition_failed\)/);
    expect(out).toMatch(/Channels: .*\bsala\b/);
    expect(out).toMatch(/Published on #sala \(seq 1, clock \d+\)/);
    expect(out).toMatch(/Sent to carla/);
    expect(out).toMatch(/Users: .*\bcarla\b/);
    expect(out).toMatch(/#sala: 1 message\(s\)\n\[#sala\] carla: Olá, sala! \(clock \d+, \d{4}-/);
    expect(out).toMatch(/Private messages: 1\n {2}carla: nota para mim/);
    expect(out).toMatch(/error: channel "nada" does not exist \(404 not_found\)/);
    expect(out).toContain('Bye.');

    const history = await getJson('/v1/chat/channels/sala/messages');
    expect(history.messages).toEqual([expect.objectContaining({ user: 'carla', message: 'Olá, sala!' })]);
  });

  it('ends cleanly when input ends', async () => {
    const run = await runCli('chat.ts', 'runChat', ['--url', url, '--user', 'dora'], '3\n');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Logged in as dora');
    expect(run.stdout).toContain('Bye.');
  });
});
