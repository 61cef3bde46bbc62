import { describe, expect, it } from 'vitest';
import type { WatchNotice } from '../../actors/machines/kv/watch.ts';
import { makeNode, text } from './harness.ts';

describe('kv watch history', () => {
  it('records one event per write, a transaction’s events sharing its revision, in op order', () => {
    const n = makeNode();
    n.kvDo({ type: 'put', key: 'a', value: text('1') });
    n.kvDo({ type: 'delete', key: 'missing' });
    n.kvDo({ type: 'put', key: 'a', value: text('1'), ifRevision: 99 });
    n.kvDo({
      type: 'txn',
      success: [
        { op: 'put', key: 'b', value: text('2') },
        { op: 'delete', key: 'a' },
        { op: 'get', key: 'b' },
      ],
    });
    const read = n.kv.eventsSince(0);
    expect(read).toEqual({
      compacted: false,
      revision: 2,
      events: [
        { type: 'put', key: 'a', revision: 1, lamport: 101, value: text('1') },
        { type: 'put', key: 'b', revision: 2, lamport: 104, value: text('2') },
        { type: 'delete', key: 'a', revision: 2, lamport: 104 },
      ],
    });
    expect(n.kv.eventsSince(2)).toMatchObject({ events: [{ key: 'b' }, { key: 'a' }] });
    expect(n.kv.eventsSince(3)).toEqual({ compacted: false, revision: 2, events: [] });
  });

  it('filters by key prefix', () => {
    const n = makeNode();
    for (const key of ['users/1', 'orders/1', 'users/2']) n.kvDo({ type: 'put', key, value: text(key) });
    const read = n.kv.eventsSince(1, 'users/');
    expect(read.compacted).toBe(false);
    if (!read.compacted) expect(read.events.map((e) => e.key)).toEqual(['users/1', 'users/2']);
  });

  it('drops the oldest revisions beyond the window and reports compaction', () => {
    const n = makeNode({ kv: { historyMaxEvents: 3 } });
    for (let i = 1; i <= 5; i++) n.kvDo({ type: 'put', key: `k${i}`, value: text(`${i}`) });
    expect(n.kv.eventsSince(2)).toEqual({ compacted: true, revision: 5, compactRevision: 3 });
    expect(n.kv.eventsSince(0)).toMatchObject({ compacted: true, compactRevision: 3 });
    const read = n.kv.eventsSince(3);
    expect(read.compacted).toBe(false);
    if (!read.compacted) expect(read.events.map((e) => e.revision)).toEqual([3, 4, 5]);
  });

  it('never splits a revision: a large transaction stays whole even above the limit', () => {
    const n = makeNode({ kv: { historyMaxEvents: 2 } });
    n.kvDo({ type: 'put', key: 'x', value: text('') });
    const success = ['a', 'b', 'c'].map((key) => ({ op: 'put', key, value: text(key) }));
    n.kvDo({ type: 'txn', success });
    expect(n.kv.eventsSince(2)).toMatchObject({ compacted: false, events: [{ key: 'a' }, { key: 'b' }, { key: 'c' }] });
    expect(n.kv.eventsSince(1)).toMatchObject({ compacted: true, compactRevision: 2 });
  });

  it('bounds the window by value bytes too', () => {
    const n = makeNode({ kv: { historyMaxBytes: 10 } });
    for (let i = 1; i <= 3; i++) n.kvDo({ type: 'put', key: `k${i}`, value: new Uint8Array(6) });
    expect(n.kv.eventsSince(1)).toMatchObject({ compacted: true, compactRevision: 3 });
  });

  it('after a restore, history starts at the snapshot revision and listeners hear a reset', () => {
    const source = makeNode();
    for (let i = 1; i <= 4; i++) source.kvDo({ type: 'put', key: `k${i}`, value: text(`${i}`) });
    const target = makeNode();
    target.kvDo({ type: 'put', key: 'local', value: text('x') });
    const notices: WatchNotice[] = [];
    target.kv.subscribe((notice) => notices.push(notice));
    target.host.restore(source.host.snapshot());
    expect(notices).toEqual([{ type: 'reset', revision: 4, compactRevision: 5 }]);
    expect(target.kv.eventsSince(4)).toEqual({ compacted: true, revision: 4, compactRevision: 5 });
    expect(target.kv.eventsSince(5)).toEqual({ compacted: false, revision: 4, events: [] });
    target.log.index = source.log.index;
    target.kvDo({ type: 'put', key: 'k5', value: text('5') });
    expect(target.kv.eventsSince(5)).toMatchObject({ compacted: false, events: [{ key: 'k5', revision: 5 }] });
  });

  it('subscribe delivers each applied revision once, with all its events, until unsubscribed', () => {
    const n = makeNode();
    const notices: WatchNotice[] = [];
    const unsubscribe = n.kv.subscribe((notice) => notices.push(notice));
    n.kvDo({ type: 'put', key: 'a', value: text('1') });
    n.kvDo({ type: 'delete', key: 'nothing' });
    n.kvDo({ type: 'txn', success: [{ op: 'delete', key: 'a' }, { op: 'put', key: 'b', value: text('2') }] });
    unsubscribe();
    n.kvDo({ type: 'put', key: 'c', value: text('3') });
    expect(notices.map((n) => (n.type === 'events' ? [n.revision, n.events.map((e) => `${e.type}:${e.key}`)] : n.type))).toEqual([
      [1, ['put:a']],
      [2, ['delete:a', 'put:b']],
    ]);
  });

  it('a throwing listener is reported and does not affect the apply or other listeners', () => {
    const errors: unknown[] = [];
    const n = makeNode({ kv: { onListenerError: (e) => errors.push(e) } });
    const seen: number[] = [];
    n.kv.subscribe(() => {
      throw new Error('listener bug');
    });
    n.kv.subscribe((notice) => notice.type === 'events' && seen.push(notice.revision));
    expect(n.kvDo({ type: 'put', key: 'a', value: text('1') })).toMatchObject({ ok: true, revision: 1 });
    expect(seen).toEqual([1]);
    expect(errors).toHaveLength(1);
  });
});
