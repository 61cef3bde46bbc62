// An HTTP client of the chat API for the `atlas chat` and `atlas chat-bot` commands. It keeps the
// caller's Lamport clock by seed 001's rules: before sending, clock += 1 and the request carries it
// (`clock` in POST bodies, `?clock=` on GETs); on every response, clock = max(clock, received) + 1.

export interface ChatClientOptions {
  /** Base URL of any replica or gateway, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly token?: string | null | undefined;
  /** Per-request deadline. */
  readonly timeoutMs?: number;
}

/** The API answered with an error (or could not be reached: status 0, code "unreachable"). */
export class ChatHttpError extends Error {
  override readonly name = 'ChatHttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface MessageJson {
  readonly id: number;
  readonly seq: number;
  readonly channel?: string;
  readonly user?: string;
  readonly src?: string;
  readonly dst?: string;
  readonly message: string;
  readonly clock: number;
  readonly timestamp: string;
}

export interface PageJson {
  readonly messages: MessageJson[];
  readonly next: number | null;
  readonly lastSeq: number;
}

export class ChatClient {
  /** This client's Lamport clock. */
  clock = 0;

  constructor(private readonly opts: ChatClientOptions) {}

  get url(): string {
    return this.opts.url.replace(/\/+$/, '');
  }

  login(user: string): Promise<{ user: string; created: boolean; clock: number }> {
    return this.post('/v1/chat/login', { user });
  }

  async users(): Promise<string[]> {
    return (await this.get<{ users: string[] }>('/v1/chat/users')).users;
  }

  createChannel(channel: string): Promise<{ channel: string; clock: number }> {
    return this.post('/v1/chat/channels', { channel });
  }

  async channels(): Promise<string[]> {
    return (await this.get<{ channels: string[] }>('/v1/chat/channels')).channels;
  }

  publish(channel: string, user: string, message: string): Promise<MessageJson> {
    return this.post(`/v1/chat/channels/${encodeURIComponent(channel)}/messages`, { user, message });
  }

  send(src: string, dst: string, message: string): Promise<MessageJson> {
    return this.post(`/v1/chat/users/${encodeURIComponent(dst)}/messages`, { src, message });
  }

  history(channel: string, after = 0, limit = 100): Promise<PageJson> {
    return this.get(`/v1/chat/channels/${encodeURIComponent(channel)}/messages`, { after: String(after), limit: String(limit) });
  }

  inbox(user: string, after = 0, limit = 100): Promise<PageJson> {
    return this.get(`/v1/chat/users/${encodeURIComponent(user)}/messages`, { after: String(after), limit: String(limit) });
  }

  /** Lamport receive rule. */
  observe(received: unknown): void {
    if (typeof received === 'number' && Number.isSafeInteger(received) && received >= 0) this.clock = Math.max(this.clock, received) + 1;
  }

  headers(): Record<string, string> {
    return this.opts.token ? { Authorization: `Bearer ${this.opts.token}` } : {};
  }

  private post<T>(path: string, body: Record<string, unknown>): Promise<T> {
    const clock = ++this.clock;
    return this.exchange<T>(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...this.headers() },
      body: JSON.stringify({ ...body, clock, timestamp: new Date().toISOString() }),
    });
  }

  private get<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    const clock = ++this.clock;
    const search = new URLSearchParams({ ...query, clock: String(clock) });
    return this.exchange<T>(`${path}?${search}`, { headers: this.headers() });
  }

  private async exchange<T>(path: string, init: RequestInit): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, { ...init, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) });
    } catch (error) {
      throw new ChatHttpError(0, 'unreachable', `cannot reach ${this.url}: ${error instanceof Error ? error.message : String(error)}`);
    }
    let body: Record<string, unknown>;
    try {
      body = (await res.json()) as Record<string, unknown>;
    } catch {
      throw new ChatHttpError(res.status, 'bad_response', `${init.method ?? 'GET'} ${path}: HTTP ${res.status} without a JSON body`);
    }
    this.observe(body.clock ?? Number(res.headers.get('Atlas-Lamport')));
    if (!res.ok) {
      const error = (body.error ?? {}) as { code?: string; message?: string };
      throw new ChatHttpError(res.status, error.code ?? 'error', error.message ?? `HTTP ${res.status}`);
    }
    return body as T;
  }
}
