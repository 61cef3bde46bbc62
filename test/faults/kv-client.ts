// An HTTP client for Atlas's KV API that records every operation into a linearizability history.
// Outcomes are recorded conservatively: `fail` only when the history model's meaning of it is certain
// (a put or delete refused before it was sent, a read that errored, a CAS whose compare did not
// hold); any other error or timeout is `unknown` (it may have taken effect).

import type { HistoryRecorder, ProcessId } from './checker/history.ts';

export interface KvClientOptions {
  readonly recorder: HistoryRecorder;
  readonly process: ProcessId;
  /** Picks the replica or gateway URL for each request. */
  readonly url: () => string;
  readonly timeoutMs?: number;
  /**
   * `stale` sends reads (and the read of a CAS) with `?consistency=stale`: served from the local
   * replica's state, which is NOT linearizable. Default `linearizable`.
   */
  readonly readConsistency?: ReadConsistency;
  /** Told where each recorded operation was sent and what came back (HTTP status or failure). */
  readonly onSent?: (entryId: number, url: string, answer: number | 'refused' | 'unknown') => void;
}

export type ReadConsistency = 'linearizable' | 'stale';

type Sent = { status: number; body: string; headers: Headers } | 'refused' | 'unknown';

export class KvClient {
  constructor(private readonly opts: KvClientOptions) {}

  async put(key: string, value: string): Promise<void> {
    const h = this.opts.recorder.invoke(this.opts.process, { type: 'put', key, value });
    const r = await this.send(h.id, 'PUT', key, value);
    if (r !== 'refused' && r !== 'unknown' && r.status === 200) h.ok();
    else if (r === 'refused') h.fail();
    else h.unknown();
  }

  async get(key: string): Promise<{ value: string | null; revision: number } | null> {
    const h = this.opts.recorder.invoke(this.opts.process, { type: 'get', key });
    const r = await this.send(h.id, 'GET', key, undefined, {}, this.opts.readConsistency === 'stale' ? '?consistency=stale' : '');
    if (r !== 'refused' && r !== 'unknown' && r.status === 200) {
      h.ok(r.body);
      return { value: r.body, revision: Number(r.headers.get('atlas-revision')) };
    }
    if (r !== 'refused' && r !== 'unknown' && r.status === 404) {
      h.ok(null);
      return { value: null, revision: 0 };
    }
    h.fail();
    return null;
  }

  async delete(key: string): Promise<void> {
    const h = this.opts.recorder.invoke(this.opts.process, { type: 'delete', key });
    const r = await this.send(h.id, 'DELETE', key);
    if (r !== 'refused' && r !== 'unknown' && r.status === 200) h.ok({ deleted: (JSON.parse(r.body) as { deleted: boolean }).deleted });
    else if (r === 'refused') h.fail();
    else h.unknown();
  }

  /** Compare-and-swap: read the key, then write `value` only if it still holds what was read. */
  async cas(key: string, value: string): Promise<void> {
    const seen = await this.get(key);
    if (!seen) return;
    const headers: Record<string, string> = seen.value === null ? { 'If-None-Match': '*' } : { 'If-Match': String(seen.revision) };
    const h = this.opts.recorder.invoke(this.opts.process, { type: 'cas', key, expected: seen.value, value, casRevision: seen.revision });
    const r = await this.send(h.id, 'PUT', key, value, headers);
    if (r !== 'refused' && r !== 'unknown' && r.status === 200) h.ok();
    // Only a 412 means the compare was evaluated and did not hold; a refused request never reached a
    // compare, which `fail` would claim, so it is recorded as unknown (it certainly had no effect).
    else if (r !== 'refused' && r !== 'unknown' && r.status === 412) h.fail();
    else h.unknown();
  }

  private async send(entryId: number, method: string, key: string, body?: string, headers: Record<string, string> = {}, query = ''): Promise<Sent> {
    const url = this.opts.url();
    let sent: Sent;
    try {
      const res = await fetch(`${url}/v1/kv/${encodeURIComponent(key)}${query}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 3_000),
      });
      sent = { status: res.status, body: await res.text(), headers: res.headers };
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      sent = code === 'ECONNREFUSED' ? 'refused' : 'unknown';
    }
    this.opts.onSent?.(entryId, url, typeof sent === 'string' ? sent : sent.status);
    return sent;
  }
}
