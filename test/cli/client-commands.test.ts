// The CLI's client commands against the real HTTP API: an app over a 3-replica in-process cluster,
// served by @hono/node-server on a free port, reached with fetch like any remote cluster.

import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClientCommand } from '../../infra/cli/client-commands.ts';
import { HttpCluster, waitFor, type App } from '../functions/harness.ts';

const dec = new TextDecoder();

let http: HttpCluster;
let servers: ServerType[] = [];
let url: string;
let securedUrl: string;

function listen(app: App): Promise<string> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(`http://127.0.0.1:${info.port}`));
    servers.push(server);
  });
}

beforeAll(async () => {
  http = await HttpCluster.start();
  const follower = await http.followerApp();
  url = await listen(follower.app);
  securedUrl = await listen(http.appFor(follower.id, { token: 'cli-token' }));
});
afterAll(async () => {
  for (const server of servers) {
    const closing = new Promise((resolve) => server.close(resolve));
    if ('closeAllConnections' in server) server.closeAllConnections();
    await closing;
  }
  servers = [];
  await http.stop();
});

class Output {
  text = '';
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : dec.decode(chunk);
    return true;
  }
}

async function atlas(argv: string[], options: { url?: string; token?: string; signal?: AbortSignal } = {}) {
  const stdout = new Output();
  const stderr = new Output();
  const code = await runClientCommand(argv, {
    url: options.url ?? url,
    token: options.token,
    stdout,
    stderr,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('atlas put / get / del / ls', () => {
  it('round-trips values, including keys with "/", spaces and "?"', async () => {
    const put = await atlas(['put', 'cli/a b?c', 'hello there']);
    expect(put).toEqual({ code: 0, stdout: expect.stringMatching(/^OK revision \d+\n$/), stderr: '' });
    expect(await atlas(['get', 'cli/a b?c'])).toEqual({ code: 0, stdout: 'hello there\n', stderr: '' });

    await atlas(['put', 'cli/second', 'two']);
    const ls = await atlas(['ls', 'cli/']);
    expect(ls.code).toBe(0);
    const lines = ls.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KEY\s+REVISION\s+VALUE$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
      ['cli/a b?c', expect.stringMatching(/^\d+$/), 'hello there'],
      ['cli/second', expect.stringMatching(/^\d+$/), 'two'],
    ]);

    const del = await atlas(['del', 'cli/a b?c']);
    expect(del.code).toBe(0);
    expect(del.stdout).toMatch(/^deleted cli\/a b\?c at revision \d+\n$/);
    expect((await atlas(['del', 'cli/a b?c'])).stdout).toBe('cli/a b?c was not present\n');
  });

  it('get of a missing key fails with the API message', async () => {
    const missing = await atlas(['get', 'cli/missing']);
    expect(missing).toEqual({ code: 1, stdout: '', stderr: 'atlas: key not found: cli/missing (not_found, HTTP 404)\n' });
  });

  it('ls with nothing under the prefix says so', async () => {
    expect(await atlas(['ls', 'cli-empty/'])).toEqual({ code: 0, stdout: '', stderr: 'no keys under "cli-empty/"\n' });
  });

  it('usage errors exit 2', async () => {
    for (const argv of [['put', 'only-key'], ['get'], ['del', 'a', 'b'], ['ls', 'a', 'b'], ['status', 'extra'], ['frobnicate']]) {
      const result = await atlas(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^atlas: (usage|unknown command)/);
    }
  });
});

describe('atlas status', () => {
  it('prints the cluster view: members, roles, term, commit/applied index, lag, Lamport clock', async () => {
    const leader = await http.leader();
    const result = await atlas(['status']);
    expect(result.code).toBe(0);
    const [first, second, blank, header, ...rows] = result.stdout.trimEnd().split('\n');
    expect(first).toMatch(new RegExp(`^cluster test\\s+served by r\\d \\(\\w+\\)\\s+leader ${leader.id}\\s+term \\d+$`));
    expect(second).toMatch(/^commit \d+\s+applied \d+\s+last \d+\s+snapshot \d+\s+lamport \d+$/);
    expect(blank).toBe('');
    expect(header).toMatch(/^MEMBER\s+ROLE\s+MATCH\s+LAG\s+LAST CONTACT\s+COMMIT\s+APPLIED\s+LAMPORT$/);
    expect(rows.map((r) => r.split(/\s+/).slice(0, 2)).sort()).toEqual(
      ['r1', 'r2', 'r3'].map((id) => [id, id === leader.id ? 'leader' : 'follower']),
    );
    // The leader's own row ends with its commit and applied index and Lamport clock.
    const leaderRow = rows.find((r) => r.startsWith(leader.id))!.split(/\s+/);
    expect(leaderRow.slice(-3).every((cell) => /^\d+$/.test(cell))).toBe(true);
  });
});

describe('atlas watch', () => {
  it('prints events as they come until interrupted, and the server drops its watch on disconnect', async () => {
    await atlas(['put', 'cliw/before', 'old']);
    const stop = new AbortController();
    const stdout = new Output();
    const stderr = new Output();
    const running = runClientCommand(['watch', 'cliw/'], { url, stdout, stderr, signal: stop.signal });
    await waitFor(() => stderr.text.includes('up to date at revision'), 5_000, 'watch synced');
    expect(http.openWatches).toBeGreaterThanOrEqual(1);

    await atlas(['put', 'cliw/k', 'live value']);
    await atlas(['put', 'elsewhere', 'ignored']);
    await atlas(['del', 'cliw/k']);
    await waitFor(() => stdout.text.includes('delete cliw/k'), 5_000, 'delete event printed');
    expect(stdout.text).toMatch(/^put cliw\/k = live value\s+\(revision \d+\)\ndelete cliw\/k\s+\(revision \d+\)\n$/);

    stop.abort();
    expect(await running).toBe(0);
    await waitFor(() => http.openWatches === 0, 5_000, 'server-side watch cancelled');
  });
});

describe('the API over real HTTP (@hono/node-server)', () => {
  it('413 for an oversized value, declared or chunked, answered without hanging', async () => {
    const declared = await fetch(`${url}/v1/kv/http-big`, { method: 'PUT', body: new Uint8Array(1024 * 1024 + 1) });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { code: string } }).error.code).toBe('too_large');
    expect(declared.headers.get('Atlas-Lamport')).toMatch(/^\d+$/);

    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new Uint8Array(64 * 1024));
        controller.close();
      },
    });
    const chunked = await fetch(`${url}/v1/kv/http-big`, { method: 'PUT', body: chunks, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await fetch(`${url}/v1/kv/http-big`)).status).toBe(404);
  });
});

describe('errors and auth', () => {
  it('says "cannot reach URL" when nothing listens there', async () => {
    const closed = await listen(http.apps.get('r1')!);
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    const result = await atlas(['get', 'x'], { url: closed });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^atlas: cannot reach ${closed.replace(/[.]/g, '\\.')}: ECONNREFUSED\\n$`));
  });

  it('sends the token; without it the API message is shown', async () => {
    const denied = await atlas(['status'], { url: securedUrl });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^atlas: this API requires Authorization: Bearer <token> \(unauthorized, HTTP 401\)\n$/);
    const wrong = await atlas(['get', 'x'], { url: securedUrl, token: 'nope' });
    expect(wrong.stderr).toMatch(/the bearer token is not valid/);
    expect((await atlas(['put', 'secured', 'yes'], { url: securedUrl, token: 'cli-token' })).code).toBe(0);
    expect((await atlas(['get', 'secured'], { url: securedUrl, token: 'cli-token' })).stdout).toBe('yes\n');
  });
});
