// The client commands of the `atlas` CLI (CONTRACT §2): put, get, del, ls, watch and status, each a
// thin layer over the HTTP API (CONTRACT §3) with fetch. Failures print one clear line: the API's
// error message, or "cannot reach URL". Exit codes: 0 success, 1 failure, 2 usage.

export interface ClientCommandOptions {
  /** Base URL of any replica or gateway, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  readonly token?: string | null | undefined;
  readonly stdout: { write(chunk: string | Uint8Array): unknown };
  readonly stderr: { write(chunk: string): unknown };
  /** Ends a running `watch` (exit 0). Without it, watch runs until the process is interrupted. */
  readonly signal?: AbortSignal;
}

const USAGE = 'usage: atlas put KEY VALUE | get KEY | del KEY | ls [PREFIX] | watch [PREFIX] | status   [--url URL] [--token TOKEN]';
const LIST_PAGE = 1000;
const WATCH_RETRY_MS = 1_000;

/** A failure with its exit code and the one line to print. */
class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

interface ApiErrorJson {
  error?: { code?: string; message?: string; revision?: number };
}

export async function runClientCommand(argv: string[], options: ClientCommandOptions): Promise<number> {
  const [command, ...args] = argv;
  const client = new HttpClient(options);
  try {
    switch (command) {
      case 'put':
        return await put(client, options, exactly(args, 2, 'put KEY VALUE'));
      case 'get':
        return await get(client, options, exactly(args, 1, 'get KEY')[0]!);
      case 'del':
        return await del(client, options, exactly(args, 1, 'del KEY')[0]!);
      case 'ls':
        return await list(client, options, atMostOne(args, 'ls [PREFIX]'));
      case 'watch':
        return await watch(client, options, atMostOne(args, 'watch [PREFIX]'));
      case 'status':
        exactly(args, 0, 'status');
        return await status(client, options);
      default:
        throw new ClientError(`unknown command ${JSON.stringify(command ?? '')}\n${USAGE}`, 2);
    }
  } catch (error) {
    if (error instanceof ClientError) {
      options.stderr.write(`atlas: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

function exactly(args: string[], count: number, usage: string): string[] {
  if (args.length !== count) throw new ClientError(`usage: atlas ${usage}`, 2);
  return args;
}

function atMostOne(args: string[], usage: string): string {
  if (args.length > 1) throw new ClientError(`usage: atlas ${usage}`, 2);
  return args[0] ?? '';
}

// ---------------------------------------------------------------------------------------------------
// Commands

async function put(client: HttpClient, io: ClientCommandOptions, [key, value]: string[]): Promise<number> {
  const res = await client.fetch(keyPath(key!), { method: 'PUT', body: value! });
  const body = (await res.json()) as { revision: number };
  io.stdout.write(`OK revision ${body.revision}\n`);
  return 0;
}

async function get(client: HttpClient, io: ClientCommandOptions, key: string): Promise<number> {
  const res = await client.fetch(keyPath(key));
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = utf8OrNull(bytes);
  io.stdout.write(text === null ? bytes : `${text}\n`);
  return 0;
}

async function del(client: HttpClient, io: ClientCommandOptions, key: string): Promise<number> {
  const res = await client.fetch(keyPath(key), { method: 'DELETE' });
  const body = (await res.json()) as { revision: number; deleted: boolean };
  io.stdout.write(body.deleted ? `deleted ${key} at revision ${body.revision}\n` : `${key} was not present\n`);
  return 0;
}

interface ListItem {
  key: string;
  revision: number;
  value: string;
  encoding?: string;
}

async function list(client: HttpClient, io: ClientCommandOptions, prefix: string): Promise<number> {
  const items: ListItem[] = [];
  let after = '';
  for (;;) {
    const query = new URLSearchParams({ prefix, limit: String(LIST_PAGE), ...(after ? { after } : {}) });
    const page = (await (await client.fetch(`/v1/kv?${query}`)).json()) as { items: ListItem[]; next: string | null };
    items.push(...page.items);
    if (page.next === null) break;
    after = page.next;
  }
  if (items.length === 0) {
    io.stderr.write(prefix ? `no keys under ${JSON.stringify(prefix)}\n` : 'no keys\n');
    return 0;
  }
  io.stdout.write(table(['KEY', 'REVISION', 'VALUE'], items.map((i) => [i.key, String(i.revision), shownValue(i.value, i.encoding)])));
  return 0;
}

async function watch(client: HttpClient, io: ClientCommandOptions, prefix: string): Promise<number> {
  let lastEventId: string | null = null;
  for (let attempt = 0; ; attempt++) {
    if (io.signal?.aborted) return 0;
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
    let res: Response;
    try {
      res = await client.fetch(`/v1/watch?${new URLSearchParams({ prefix })}`, { headers });
    } catch (error) {
      if (io.signal?.aborted) return 0;
      // Only the first connection fails the command; a dropped stream is resumed from its last id.
      if (attempt === 0 || !(error instanceof ClientError) || !error.message.startsWith('cannot reach')) throw error;
      await sleep(WATCH_RETRY_MS, io.signal);
      continue;
    }
    try {
      for await (const message of sseMessages(res.body!)) {
        if (message.id !== undefined) lastEventId = message.id;
        io.stdout.write(describeWatchMessage(message, io));
      }
    } catch (error) {
      if (!io.signal?.aborted) io.stderr.write(`atlas: watch stream failed: ${errorText(error)}\n`);
    }
    if (io.signal?.aborted) return 0;
    io.stderr.write('atlas: watch stream ended; reconnecting\n');
    await sleep(WATCH_RETRY_MS, io.signal);
  }
}

interface StatusJson {
  cluster: string;
  id: string;
  role: string;
  term: number;
  leader: string | null;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  snapshotIndex: number;
  lamport: number;
  members: Array<{
    id: string;
    role: string;
    matchIndex: number;
    lag: number;
    lastContactMs: number | null;
    /** Absent from a server older than the members' reports. */
    commitIndex?: number | null;
    appliedIndex?: number | null;
    lamport?: number | null;
  }>;
}

async function status(client: HttpClient, io: ClientCommandOptions): Promise<number> {
  const s = (await (await client.fetch('/v1/status')).json()) as StatusJson;
  const lines = [
    `cluster ${s.cluster}   served by ${s.id} (${s.role})   leader ${s.leader ?? 'none'}   term ${s.term}`,
    `commit ${s.commitIndex}   applied ${s.appliedIndex}   last ${s.lastIndex}   snapshot ${s.snapshotIndex}   lamport ${s.lamport}`,
    '',
  ];
  const rows = s.members.map((m) => [
    m.id,
    m.role,
    String(m.matchIndex),
    String(m.lag),
    m.lastContactMs === null ? '-' : `${m.lastContactMs} ms`,
    orDash(m.commitIndex),
    orDash(m.appliedIndex),
    orDash(m.lamport),
  ]);
  const header = ['MEMBER', 'ROLE', 'MATCH', 'LAG', 'LAST CONTACT', 'COMMIT', 'APPLIED', 'LAMPORT'];
  io.stdout.write(lines.join('\n') + '\n' + table(header, rows));
  return 0;
}

const orDash = (value: number | null | undefined): string => (value === null || value === undefined ? '-' : String(value));

// ---------------------------------------------------------------------------------------------------
// HTTP

class HttpClient {
  private readonly base: string;

  constructor(private readonly io: ClientCommandOptions) {
    this.base = io.url.replace(/\/+$/, '');
  }

  /** A 2xx response; anything else becomes a ClientError with the API's message. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.io.token) headers.set('Authorization', `Bearer ${this.io.token}`);
    let res: Response;
    try {
      res = await fetch(this.base + path, { ...init, headers, ...(this.io.signal ? { signal: this.io.signal } : {}) });
    } catch (error) {
      if (this.io.signal?.aborted) throw error;
      throw new ClientError(`cannot reach ${this.base}: ${errorText(error)}`, 1);
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let body: ApiErrorJson = {};
    try {
      body = JSON.parse(text) as ApiErrorJson;
    } catch {
      // Not an Atlas error body: report the status line.
    }
    const message = body.error?.message ?? (text.trim() || res.statusText);
    const code = body.error?.code ? `${body.error.code}, ` : '';
    throw new ClientError(`${message} (${code}HTTP ${res.status})`, 1);
  }
}

function keyPath(key: string): string {
  if (key.length === 0) throw new ClientError('the key must not be empty', 2);
  return `/v1/kv/${encodeURIComponent(key)}`;
}

interface SseMessage {
  event: string;
  id?: string;
  data: string;
}

async function* sseMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const message: SseMessage = { event: 'message', data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') message.event = value;
        else if (field === 'id') message.id = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length === 0 && message.id === undefined && message.event === 'message') continue;
      message.data = data.join('\n');
      yield message;
    }
  }
}

/** One line per change on stdout; `synced` and `end` notices go to stderr and print nothing here. */
function describeWatchMessage(message: SseMessage, io: ClientCommandOptions): string {
  let data: { key?: string; revision?: number; value?: string | null; encoding?: string; reason?: string } = {};
  try {
    data = JSON.parse(message.data) as typeof data;
  } catch {
    return '';
  }
  switch (message.event) {
    case 'put':
      return `put ${data.key} = ${shownValue(data.value ?? '', data.encoding)}   (revision ${data.revision})\n`;
    case 'delete':
      return `delete ${data.key}   (revision ${data.revision})\n`;
    case 'synced':
      io.stderr.write(`-- up to date at revision ${data.revision}; watching for changes (Ctrl-C to stop) --\n`);
      return '';
    case 'end':
      io.stderr.write(`atlas: the server ended the watch: ${data.reason}\n`);
      return '';
    default:
      return '';
  }
}

// ---------------------------------------------------------------------------------------------------
// Formatting

const MAX_SHOWN_VALUE = 80;

function shownValue(value: string, encoding: string | undefined): string {
  const shown = encoding === 'base64' ? `base64:${value}` : JSON.stringify(value).slice(1, -1);
  return shown.length > MAX_SHOWN_VALUE ? `${shown.slice(0, MAX_SHOWN_VALUE - 1)}…` : shown;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) return (cause as { code?: string }).code ?? cause.message;
  return error.message;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
