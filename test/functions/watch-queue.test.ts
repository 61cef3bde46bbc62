// The buffer between a backend watch and its SSE writer: order, idle wake-ups, the slow-watcher cap,
// and closing.

import { describe, expect, it } from 'vitest';
import type { WatchEvent } from '../../actors/machines/kv/commands.ts';
import { WatchQueue } from '../../functions/watch/queue.ts';

const event = (revision: number, key = 'k'): WatchEvent => ({ type: 'put', key, revision, lamport: revision, value: new Uint8Array() });

describe('WatchQueue', () => {
  it('hands items over in order, and wakes a waiting taker at once', async () => {
    const queue = new WatchQueue(10);
    queue.events(1, [event(1)]);
    queue.synced(1);
    expect(await queue.take(1_000)).toMatchObject({ type: 'events', revision: 1 });
    expect(await queue.take(1_000)).toEqual({ type: 'synced', revision: 1 });
    const waiting = queue.take(5_000);
    const started = Date.now();
    queue.events(2, [event(2, 'a'), event(2, 'b')]);
    expect(await waiting).toEqual({ type: 'events', revision: 2, events: [event(2, 'a'), event(2, 'b')] });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('returns idle after the wait when nothing arrives', async () => {
    const queue = new WatchQueue(10);
    expect(await queue.take(20)).toEqual({ type: 'idle' });
  });

  it('ends a watcher that falls too far behind, and ignores everything after the end', async () => {
    const queue = new WatchQueue(2);
    for (let r = 1; r <= 5; r++) queue.events(r, [event(r)]);
    queue.synced(5);
    const taken = [await queue.take(10), await queue.take(10), await queue.take(10), await queue.take(10)];
    expect(taken.map((t) => t.type)).toEqual(['events', 'events', 'end', 'idle']);
    expect(taken[2]).toEqual({ type: 'end', reason: expect.stringMatching(/more than 2 revisions behind/) });
  });

  it('close wakes a waiting taker with closed', async () => {
    const queue = new WatchQueue(10);
    const waiting = queue.take(5_000);
    queue.close();
    expect(await waiting).toEqual({ type: 'closed' });
    expect(await queue.take(5_000)).toEqual({ type: 'closed' });
  });
});
