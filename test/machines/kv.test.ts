import { describe, expect, it } from 'vitest';
import { makeNode, str, text } from './harness.ts';

describe('kv revisions and tombstones', () => {
  it('advances the store revision once per write and tracks create/mod revisions and versions', () => {
    const n = makeNode();
    expect(n.kvDo({ type: 'put', key: 'a', value: text('1') })).toEqual({ ok: true, key: 'a', revision: 1, lamport: 101 });
    expect(n.kvDo({ type: 'put', key: 'b', value: text('2') })).toMatchObject({ revision: 2 });
    expect(n.kvDo({ type: 'put', key: 'a', value: text('3') })).toMatchObject({ revision: 3 });
    const a = n.kvQuery({ type: 'get', key: 'a' });
    expect(str(a.value)).toBe('3');
    expect(a).toMatchObject({ key: 'a', createRevision: 1, modRevision: 3, version: 2, lamport: 103 });
    expect(n.kvQuery({ type: 'revision' })).toEqual({ revision: 3 });
  });

  it('deletes leave a tombstone; deleting an absent key does not advance the revision', () => {
    const n = makeNode();
    n.kvDo({ type: 'put', key: 'k', value: text('v') });
    expect(n.kvDo({ type: 'delete', key: 'k' })).toEqual({ ok: true, key: 'k', revision: 2, deleted: true });
    expect(n.kvQuery({ type: 'get', key: 'k' })).toBeNull();
    expect(n.kvQuery({ type: 'tombstone', key: 'k' })).toEqual({ key: 'k', revision: 2, lamport: 102 });
    expect(n.kvDo({ type: 'delete', key: 'k' })).toEqual({ ok: true, key: 'k', revision: 2, deleted: false });
    expect(n.kvDo({ type: 'delete', key: 'never' })).toEqual({ ok: true, key: 'never', revision: 2, deleted: false });
    expect(n.kvQuery({ type: 'revision' })).toEqual({ revision: 2 });
  });

  it('recreating a deleted key starts a new life: createRevision and version reset, tombstone removed', () => {
    const n = makeNode();
    n.kvDo({ type: 'put', key: 'k', value: text('1') });
    n.kvDo({ type: 'put', key: 'k', value: text('2') });
    n.kvDo({ type: 'delete', key: 'k' });
    n.kvDo({ type: 'put', key: 'k', value: text('3') });
    expect(n.kvQuery({ type: 'get', key: 'k' })).toMatchObject({ createRevision: 4, modRevision: 4, version: 1 });
    expect(n.kvQuery({ type: 'tombstone', key: 'k' })).toBeNull();
  });

  it('keeps at most maxTombstones, forgetting the oldest deletes first', () => {
    const n = makeNode({ kv: { maxTombstones: 2 } });
    for (const key of ['a', 'b', 'c']) n.kvDo({ type: 'put', key, value: text(key) });
    for (const key of ['b', 'a', 'c']) n.kvDo({ type: 'delete', key });
    expect(n.kvQuery({ type: 'tombstone', key: 'b' })).toBeNull();
    expect(n.kvQuery({ type: 'tombstone', key: 'a' })).toMatchObject({ revision: 5 });
    expect(n.kvQuery({ type: 'tombstone', key: 'c' })).toMatchObject({ revision: 6 });
  });
});

describe('kv conditional writes', () => {
  it('ifRevision is compare-and-swap on the modRevision and reports the current revision on mismatch', () => {
    const n = makeNode();
    n.kvDo({ type: 'put', key: 'k', value: text('1') });
    n.kvDo({ type: 'put', key: 'other', value: text('x') });
    expect(n.kvDo({ type: 'put', key: 'k', value: text('2'), ifRevision: 2 })).toEqual({
      ok: false,
      code: 'precondition_failed',
      key: 'k',
      revision: 1,
    });
    expect(n.kvQuery({ type: 'revision' })).toEqual({ revision: 2 });
    expect(n.kvDo({ type: 'put', key: 'k', value: text('2'), ifRevision: 1 })).toMatchObject({ ok: true, revision: 3 });
    expect(str(n.kvQuery({ type: 'get', key: 'k' }).value)).toBe('2');
  });

  it('ifRevision on an absent key fails with revision 0; ifRevision 0 means "absent"', () => {
    const n = makeNode();
    expect(n.kvDo({ type: 'put', key: 'k', value: text('1'), ifRevision: 5 })).toMatchObject({ ok: false, revision: 0 });
    expect(n.kvDo({ type: 'put', key: 'k', value: text('1'), ifRevision: 0 })).toMatchObject({ ok: true, revision: 1 });
    expect(n.kvDo({ type: 'put', key: 'k', value: text('1'), ifRevision: 0 })).toMatchObject({ ok: false, revision: 1 });
  });

  it('ifAbsent is create-only and works again after a delete', () => {
    const n = makeNode();
    expect(n.kvDo({ type: 'put', key: 'lock', value: text('a'), ifAbsent: true })).toMatchObject({ ok: true, revision: 1 });
    expect(n.kvDo({ type: 'put', key: 'lock', value: text('b'), ifAbsent: true })).toEqual({
      ok: false,
      code: 'precondition_failed',
      key: 'lock',
      revision: 1,
    });
    n.kvDo({ type: 'delete', key: 'lock' });
    expect(n.kvDo({ type: 'put', key: 'lock', value: text('c'), ifAbsent: true })).toMatchObject({ ok: true, revision: 3 });
    expect(str(n.kvQuery({ type: 'get', key: 'lock' }).value)).toBe('c');
  });

  it('delete with ifRevision deletes only at that revision', () => {
    const n = makeNode();
    n.kvDo({ type: 'put', key: 'k', value: text('1') });
    expect(n.kvDo({ type: 'delete', key: 'k', ifRevision: 7 })).toEqual({
      ok: false,
      code: 'precondition_failed',
      key: 'k',
      revision: 1,
    });
    expect(n.kvQuery({ type: 'get', key: 'k' })).not.toBeNull();
    expect(n.kvDo({ type: 'delete', key: 'k', ifRevision: 1 })).toEqual({ ok: true, key: 'k', revision: 2, deleted: true });
  });
});

describe('kv transactions', () => {
  it('applies the success branch atomically at one revision, gets seeing earlier writes', () => {
    const n = makeNode();
    n.kvDo({ type: 'put', key: 'x', value: text('old') });
    n.kvDo({ type: 'put', key: 'gone', value: text('bye') });
    const result = n.kvDo({
      type: 'txn',
      compare: [{ key: 'x', value: text('old') }, { key: 'x', revision: 1 }, { key: 'y', exists: false }],
      success: [
        { op: 'put', key: 'x', value: text('new') },
        { op: 'put', key: 'y', value: text('born') },
        { op: 'delete', key: 'gone' },
        { op: 'delete', key: 'absent' },
        { op: 'get', key: 'x' },
      ],
      failure: [{ op: 'put', key: 'failed', value: text('!') }],
    });
    expect(result.succeeded).toBe(true);
    expect(result.revision).toBe(3);
    expect(result.results).toEqual([
      { op: 'put', key: 'x', revision: 3 },
      { op: 'put', key: 'y', revision: 3 },
      { op: 'delete', key: 'gone', deleted: true },
      { op: 'delete', key: 'absent', deleted: false },
      { op: 'get', key: 'x', value: text('new'), revision: 3 },
    ]);
    expect(n.kvQuery({ type: 'get', key: 'x' })).toMatchObject({ modRevision: 3, version: 2 });
    expect(n.kvQuery({ type: 'get', key: 'y' })).toMatchObject({ modRevision: 3, createRevision: 3 });
    expect(n.kvQuery({ type: 'tombstone', key: 'gone' })).toMatchObject({ revision: 3 });
    expect(n.kvQuery({ type: 'get', key: 'failed' })).toBeNull();
    expect(n.kvQuery({ type: 'revision' })).toEqual({ revision: 3 });
  });

  it('runs the failure branch when any compare fails, and a read-only branch keeps the revision', () => {
    const n = makeNode();
    n.kvDo({ type: 'put', key: 'x', value: text('v') });
    const result = n.kvDo({
      type: 'txn',
      compare: [{ key: 'x', exists: true }, { key: 'x', revision: 99 }],
      success: [{ op: 'put', key: 'x', value: text('should not happen') }],
      failure: [{ op: 'get', key: 'x' }, { op: 'get', key: 'nope' }],
    });
    expect(result).toEqual({
      succeeded: false,
      revision: 1,
      results: [
        { op: 'get', key: 'x', value: text('v'), revision: 1 },
        { op: 'get', key: 'nope', value: null, revision: 0 },
      ],
    });
    expect(str(n.kvQuery({ type: 'get', key: 'x' }).value)).toBe('v');
  });

  it('compares an absent key as revision 0 and as unequal to any value', () => {
    const n = makeNode();
    const ok = n.kvDo({ type: 'txn', compare: [{ key: 'a', revision: 0 }], success: [{ op: 'put', key: 'a', value: text('1') }] });
    expect(ok).toMatchObject({ succeeded: true, revision: 1 });
    const bad = n.kvDo({ type: 'txn', compare: [{ key: 'b', value: new Uint8Array(0) }] });
    expect(bad).toEqual({ succeeded: false, revision: 1, results: [] });
  });
});

describe('kv TTL', () => {
  it('expire deletes only keys whose TTL passed in log time and whose modRevision is unchanged', () => {
    const n = makeNode();
    const t0 = n.log.clockMs;
    n.propose({ command: { type: 'put', key: 'session', value: text('s'), ttlSeconds: 10 }, logTimeMs: t0 });
    n.propose({ command: { type: 'put', key: 'refreshed', value: text('r'), ttlSeconds: 10 }, logTimeMs: t0 });
    n.propose({ command: { type: 'put', key: 'forever', value: text('f') }, logTimeMs: t0 });
    expect(n.kvQuery({ type: 'get', key: 'session' }).expiresAtMs).toBe(t0 + 10_000);

    expect(n.kvQuery({ type: 'expired', nowMs: t0 + 9_999 })).toEqual({ keys: [] });
    const due = n.kvQuery({ type: 'expired', nowMs: t0 + 10_000 });
    expect(due).toEqual({ keys: [{ key: 'refreshed', modRevision: 2 }, { key: 'session', modRevision: 1 }] });

    n.propose({ command: { type: 'put', key: 'refreshed', value: text('r2'), ttlSeconds: 10 }, logTimeMs: t0 + 5_000 });
    // The leader's clock said the keys were due, but the entry's log time is what counts.
    const early = n.propose({ command: { type: 'expire', keys: due.keys }, logTimeMs: t0 + 9_000 });
    expect(early.result).toEqual({ revision: 4, expired: [] });

    const late = n.propose({
      command: { type: 'expire', keys: [...due.keys, { key: 'forever', modRevision: 3 }] },
      logTimeMs: t0 + 10_000,
    });
    expect(late.result).toEqual({ revision: 5, expired: ['session'] });
    expect(n.kvQuery({ type: 'get', key: 'session' })).toBeNull();
    expect(n.kvQuery({ type: 'get', key: 'refreshed' })).not.toBeNull();
    expect(n.kvQuery({ type: 'get', key: 'forever' })).not.toBeNull();
    expect(n.kvQuery({ type: 'tombstone', key: 'session' })).toMatchObject({ revision: 5 });
  });

  it('a put without ttlSeconds clears the TTL', () => {
    const n = makeNode();
    const t0 = n.log.clockMs;
    n.propose({ command: { type: 'put', key: 'k', value: text('1'), ttlSeconds: 1 }, logTimeMs: t0 });
    n.propose({ command: { type: 'put', key: 'k', value: text('2') }, logTimeMs: t0 });
    expect(n.kvQuery({ type: 'get', key: 'k' }).expiresAtMs).toBeUndefined();
    expect(n.kvQuery({ type: 'expired', nowMs: t0 + 60_000 })).toEqual({ keys: [] });
    const r = n.propose({ command: { type: 'expire', keys: [{ key: 'k', modRevision: 2 }] }, logTimeMs: t0 + 60_000 });
    expect(r.result).toEqual({ revision: 2, expired: [] });
  });

  it('log time never goes backwards: an entry stamped earlier than its predecessor uses the later time', () => {
    const n = makeNode();
    const t0 = n.log.clockMs;
    n.propose({ command: { type: 'put', key: 'k', value: text('1'), ttlSeconds: 1 }, logTimeMs: t0 });
    n.propose({ command: { type: 'put', key: 'tick', value: text('') }, logTimeMs: t0 + 5_000 });
    // A new leader with a slow clock proposes the expiry: the host's log time is already t0 + 5000.
    const r = n.propose({ command: { type: 'expire', keys: [{ key: 'k', modRevision: 1 }] }, logTimeMs: t0 });
    expect(r.result).toMatchObject({ expired: ['k'] });
    expect(n.host.logTimeMs).toBe(t0 + 5_000);
  });
});

describe('kv list', () => {
  it('lists a prefix in key order with pagination by `after`', () => {
    const n = makeNode();
    for (const key of ['app/c', 'app/a', 'apple', 'app/b', 'b', 'app/d', 'ap']) n.kvDo({ type: 'put', key, value: text(key) });
    n.kvDo({ type: 'delete', key: 'app/d' });
    const page1 = n.kvQuery({ type: 'list', prefix: 'app/', limit: 2 });
    expect(page1.items.map((i: any) => i.key)).toEqual(['app/a', 'app/b']);
    expect(page1.next).toBe('app/b');
    expect(page1.items[0]).toEqual({ key: 'app/a', revision: 2, value: text('app/a') });
    const page2 = n.kvQuery({ type: 'list', prefix: 'app/', after: page1.next, limit: 2 });
    expect(page2.items.map((i: any) => i.key)).toEqual(['app/c']);
    expect(page2.next).toBeNull();
    expect(page2.revision).toBe(8);
    const exact = n.kvQuery({ type: 'list', prefix: 'app/', limit: 3 });
    expect(exact.next).toBeNull();
    const all = n.kvQuery({ type: 'list' });
    expect(all.items.map((i: any) => i.key)).toEqual(['ap', 'app/a', 'app/b', 'app/c', 'apple', 'b']);
  });

  it('orders keys by UTF-8 bytes (code points), not UTF-16 code units', () => {
    const n = makeNode();
    const keys = ['\u{1F600}', '\uFFFD', 'z', 'é', 'a/b'];
    for (const key of keys) n.kvDo({ type: 'put', key, value: text('') });
    const listed = n.kvQuery({ type: 'list', limit: 10 }).items.map((i: any) => i.key);
    const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(listed).toEqual(byBytes);
    expect(listed.at(-1)).toBe('\u{1F600}');
  });
});
