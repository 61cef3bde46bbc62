import { describe, expect, it } from 'vitest';
import { encode } from '@msgpack/msgpack';
import { decodeCommand, encodeCommand, encodeCommandBytes, encodeEncodedCommand } from '../../actors/machines/envelope.ts';
import { encodeCanonical } from '../../actors/machines/codec.ts';
import { CommandRejectedError } from '../../actors/machines/errors.ts';
import { MachineHost } from '../../actors/machines/host.ts';
import type { ApplyFailureEvent } from '../../actors/machines/host.ts';
import { defineMachine } from '../../actors/machines/types.ts';
import { LogWriter, makeNode, text } from './harness.ts';

describe('exactly-once', () => {
  it('a retry with the same idempotency key returns the first result and applies nothing', () => {
    const n = makeNode();
    const first = n.propose({ command: { type: 'put', key: 'k', value: text('1') }, idempotencyKey: 'req-1' });
    expect(first).toEqual({
      index: 1,
      machine: 'kv',
      result: { ok: true, key: 'k', revision: 1, lamport: 101 },
      duplicate: false,
      idempotencyKey: 'req-1',
    });
    n.kvDo({ type: 'put', key: 'k', value: text('2') });
    const retry = n.propose({ command: { type: 'put', key: 'k', value: text('1') }, idempotencyKey: 'req-1' });
    expect(retry).toEqual({ ...first, index: 3, duplicate: true, firstIndex: 1 });
    expect(n.kvQuery({ type: 'get', key: 'k' })).toMatchObject({ modRevision: 2, version: 2 });
    expect(n.kvQuery({ type: 'revision' })).toEqual({ revision: 2 });
  });

  it('replays a recorded failure too (a failed CAS stays failed)', () => {
    const n = makeNode();
    const cas = { type: 'put', key: 'k', value: text('x'), ifRevision: 9 };
    const first = n.propose({ command: cas, idempotencyKey: 'cas' });
    expect(first.result).toMatchObject({ ok: false, code: 'precondition_failed', revision: 0 });
    n.kvDo({ type: 'put', key: 'k', value: text('y') });
    const retry = n.propose({ command: cas, idempotencyKey: 'cas' });
    expect(retry.duplicate).toBe(true);
    expect(retry.result).toEqual(first.result);
  });

  it('refuses an idempotency key reused for a different command, without applying it', () => {
    const n = makeNode();
    n.propose({ command: { type: 'put', key: 'k', value: text('1') }, idempotencyKey: 'same' });
    const other = n.propose({ command: { type: 'put', key: 'k', value: text('2') }, idempotencyKey: 'same' });
    expect(other).toMatchObject({ duplicate: false, result: null, error: { code: 'bad_request' } });
    const otherMachine = n.propose({ machine: 'bank', command: { type: 'open', account: 'a' }, idempotencyKey: 'same' });
    expect(otherMachine.error?.code).toBe('bad_request');
    expect(n.host.query('bank', { type: 'balance', account: 'a' })).toEqual({ balance: null });
    expect(n.kvQuery({ type: 'revision' })).toEqual({ revision: 1 });
  });

  it('records expire by log time (default 10 minutes): after that the command applies again', () => {
    const n = makeNode();
    const t0 = n.log.clockMs;
    const put = { type: 'put', key: 'k', value: text('1') };
    n.propose({ command: put, idempotencyKey: 'k1', logTimeMs: t0 });
    expect(n.host.dedupRecords).toBe(1);
    const within = n.propose({ command: put, idempotencyKey: 'k1', logTimeMs: t0 + 600_000 - 1 });
    expect(within.duplicate).toBe(true);
    const after = n.propose({ command: put, idempotencyKey: 'k1', logTimeMs: t0 + 600_000 });
    expect(after.duplicate).toBe(false);
    expect(after.result).toMatchObject({ ok: true, revision: 2 });
  });

  it('prunes expired records during apply and honours a configured TTL', () => {
    const n = makeNode({ host: { dedupTtlMs: 1_000 } });
    const t0 = n.log.clockMs;
    for (let i = 0; i < 5; i++) n.propose({ command: { type: 'delete', key: `k${i}` }, idempotencyKey: `d${i}`, logTimeMs: t0 + i });
    expect(n.host.dedupRecords).toBe(5);
    n.propose({ command: { type: 'delete', key: 'x' }, logTimeMs: t0 + 1_002 });
    expect(n.host.dedupRecords).toBe(2);
  });

  it('evicts the oldest records beyond dedupMaxRecords', () => {
    const n = makeNode({ host: { dedupMaxRecords: 2 } });
    for (const key of ['a', 'b', 'c']) n.propose({ command: { type: 'put', key, value: text(key) }, idempotencyKey: key });
    expect(n.host.dedupRecords).toBe(2);
    expect(n.propose({ command: { type: 'put', key: 'a', value: text('a') }, idempotencyKey: 'a' }).duplicate).toBe(false);
    expect(n.propose({ command: { type: 'put', key: 'c', value: text('c') }, idempotencyKey: 'c' }).duplicate).toBe(true);
  });

  it('survives snapshot and restore', () => {
    const n = makeNode();
    const first = n.propose({ command: { type: 'put', key: 'k', value: text('1') }, idempotencyKey: 'req' });
    const bytes = n.host.snapshot();

    const m = makeNode();
    m.host.restore(bytes);
    m.log.index = n.log.index;
    expect(m.host.appliedIndex).toBe(1);
    expect(m.host.logTimeMs).toBe(n.host.logTimeMs);
    const retry = m.propose({ command: { type: 'put', key: 'k', value: text('1') }, idempotencyKey: 'req' });
    expect(retry).toEqual({ ...first, index: 2, duplicate: true, firstIndex: 1 });
    expect(m.kvQuery({ type: 'revision' })).toEqual({ revision: 1 });
  });
});

describe('entries the host cannot use', () => {
  const garbage: Array<[string, Uint8Array]> = [
    ['empty bytes', new Uint8Array()],
    ['truncated msgpack', new Uint8Array([0x82, 0xa1])],
    ['random bytes', Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 0xff)],
    ['a msgpack string', encode('hello')],
    ['trailing bytes', new Uint8Array([...encode({ v: 1 }), 0x01])],
    ['wrong version', encode({ v: 2, machine: 'kv', logTimeMs: 1, command: encode({}) })],
    ['bad machine name', encode({ v: 1, machine: 'KV!', logTimeMs: 1, command: encode({}) })],
    ['negative log time', encode({ v: 1, machine: 'kv', logTimeMs: -5, command: encode({}) })],
    ['command not bytes', encode({ v: 1, machine: 'kv', logTimeMs: 1, command: { type: 'put' } })],
    ['command bytes not msgpack', encode({ v: 1, machine: 'kv', logTimeMs: 1, command: new Uint8Array([0xc1]) })],
    ['huge claimed array', new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff])],
    ['__proto__ key', new Uint8Array([0x81, 0xa9, ...text('__proto__'), 0x01])],
  ];

  it.each(garbage)('%s gives a deterministic bad_request outcome and advances the applied index', (_, data) => {
    const outcomes = [new MachineHost(), new MachineHost()].map((host) => host.apply({ index: 7, term: 2, lamport: 9, data }));
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(outcomes[0]).toMatchObject({ index: 7, machine: null, result: null, duplicate: false, error: { code: 'bad_request' } });
    expect(decodeCommand(data).ok).toBe(false);
  });

  it('a well-formed envelope with an invalid command is refused at apply with the validation error', () => {
    const n = makeNode();
    const outcome = n.host.apply(n.log.entry({ command: { type: 'put', key: '', value: text('v') } }));
    expect(outcome).toMatchObject({ machine: 'kv', result: null, error: { code: 'bad_request', message: expect.stringMatching(/key/) } });
    const tooBig = n.host.apply(n.log.entry({ command: { type: 'put', key: 'k', value: new Uint8Array(1024 * 1024 + 1) } }));
    expect(tooBig.error?.code).toBe('too_large');
    const unknown = n.host.apply(n.log.entry({ machine: 'ghost', command: {} }));
    expect(unknown).toMatchObject({ machine: 'ghost', error: { code: 'bad_request' } });
    expect(n.host.appliedIndex).toBe(3);
    expect(n.kvQuery({ type: 'revision' })).toEqual({ revision: 0 });
  });

  it('commands with extension types or deep nesting are refused deterministically', () => {
    const date = encode({ v: 1, machine: 'kv', logTimeMs: 1, command: encode({ type: 'put', at: new Date(0) }) });
    expect(decodeCommand(date)).toMatchObject({ ok: false, error: { message: expect.stringMatching(/extension/) } });
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    const nested = encode({ v: 1, machine: 'kv', logTimeMs: 1, command: encode(deep) });
    expect(decodeCommand(nested)).toMatchObject({ ok: false, error: { message: expect.stringMatching(/nested/) } });
  });

  it('never throws for random bytes', () => {
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    const host = new MachineHost();
    for (let i = 1; i <= 2000; i++) {
      const data = Uint8Array.from({ length: next() % 40 }, next);
      const outcome = host.apply({ index: i, term: 1, lamport: i, data });
      expect(outcome.error?.code).toBe('bad_request');
    }
    expect(host.appliedIndex).toBe(2000);
  });
});

describe('machines that throw', () => {
  const fragile = defineMachine<{ count: number }, { type: 'boom' | 'inc' | 'reject' }, number>({
    name: 'fragile',
    init: () => ({ count: 0 }),
    validate(command) {
      const type = (command as { type?: unknown })?.type;
      if (type !== 'boom' && type !== 'inc' && type !== 'reject') throw new CommandRejectedError('bad_request', 'unknown');
      return { type };
    },
    apply(state, command) {
      if (command.type === 'boom') throw new Error(`exploded at ${Math.random()}`);
      if (command.type === 'reject') throw new CommandRejectedError('not_found', 'no such thing');
      return ++state.count;
    },
    query: (state) => state.count,
    snapshot: (state) => state.count,
    restore: (data) => ({ count: data as number }),
  });

  it('turns a throw into the same apply_failed outcome everywhere and reports it to the hook', () => {
    const events: ApplyFailureEvent[][] = [[], []];
    const hosts = events.map((sink) => new MachineHost({ onApplyFailure: (e) => sink.push(e) }));
    const log = new LogWriter();
    const entries = [{ type: 'inc' }, { type: 'boom' }, { type: 'reject' }, { type: 'inc' }].map((command) =>
      log.entry({ machine: 'fragile', command, idempotencyKey: command.type }),
    );
    const outcomes = hosts.map((host) => {
      host.register(fragile);
      return entries.map((entry) => host.apply(entry));
    });
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(outcomes[0]!.map((o) => o.error ?? o.result)).toEqual([
      1,
      { code: 'apply_failed', message: 'machine fragile failed to apply the command' },
      { code: 'not_found', message: 'no such thing' },
      1,
    ]);
    // The fourth entry reused the key 'inc' with the same command: the recorded first result, not 2.
    expect(outcomes[0]![3]).toMatchObject({ duplicate: true });
    expect(hosts[0]!.query('fragile', {})).toBe(1);
    expect(events[0]).toHaveLength(1);
    expect(events[0]![0]).toMatchObject({ index: 2, machine: 'fragile', phase: 'apply' });
    expect(String((events[0]![0]!.error as Error).message)).toMatch(/exploded/);
    expect(hosts[0]!.snapshot()).toEqual(hosts[1]!.snapshot());
  });
});

describe('host bookkeeping', () => {
  it('validate rejects unknown machines with bad_request and normalises known commands', () => {
    const n = makeNode();
    expect(() => n.host.validate('nope', {})).toThrow(CommandRejectedError);
    try {
      n.host.validate('nope', {});
    } catch (error) {
      expect((error as CommandRejectedError).code).toBe('bad_request');
    }
    expect(n.host.machineNames()).toEqual(['bank', 'kv']);
  });

  it('encodeProposal validates then encodes an envelope decodeCommand reads back', () => {
    const n = makeNode();
    const bytes = n.host.encodeProposal('kv', { type: 'delete', key: 'k', ifRevision: null }, { logTimeMs: 5, idempotencyKey: 'i' });
    const decoded = decodeCommand(bytes);
    expect(decoded).toMatchObject({ ok: true, envelope: { machine: 'kv', logTimeMs: 5, idempotencyKey: 'i', command: { type: 'delete', key: 'k' } } });
    expect(() => n.host.encodeProposal('kv', { type: 'delete', key: '' }, { logTimeMs: 5 })).toThrow(CommandRejectedError);
    expect(() => encodeCommand({ machine: 'kv', command: {}, logTimeMs: 1, idempotencyKey: '' })).toThrow(CommandRejectedError);
    expect(() => encodeCommand({ machine: 'kv', command: {}, logTimeMs: 1, idempotencyKey: 'x'.repeat(257) })).toThrow(/idempotency/);
  });

  it('encodeCommand and encodeEncodedCommand write the canonical encoding of the envelope, the command as its canonical bytes', () => {
    const commands: unknown[] = [
      { type: 'put', key: 'k', value: text('v'.repeat(300)), ttlSeconds: 5 },
      { z: [1, { b: 2, a: null }], a: 'é', n: -0 },
      {},
      'x'.repeat(70_000),
    ];
    for (const command of commands) {
      for (const idempotencyKey of [undefined, 'key-1']) {
        const envelope = { machine: 'kv', command, logTimeMs: 1_700_000_000_000, ...(idempotencyKey ? { idempotencyKey } : {}) };
        const expected = encodeCanonical({ v: 1, ...envelope, command: encodeCommandBytes(command) });
        expect(Buffer.from(encodeCommand(envelope)).equals(Buffer.from(expected))).toBe(true);
        const forwarded = encodeEncodedCommand('kv', envelope.logTimeMs, idempotencyKey, encodeCommandBytes(command));
        expect(Buffer.from(forwarded).equals(Buffer.from(expected))).toBe(true);
      }
    }
    expect(() => encodeCommand({ machine: 'kv', command: { d: new Date(0) }, logTimeMs: 1 })).toThrow(/not plain data/);
  });

  it('refuses an index that does not increase, and markApplied skips non-command entries', () => {
    const n = makeNode();
    n.kvDo({ type: 'put', key: 'k', value: text('v') });
    n.host.markApplied(2);
    expect(n.host.appliedIndex).toBe(2);
    expect(() => n.host.apply({ index: 2, term: 1, lamport: 1, data: new Uint8Array() })).toThrow(/invariant/);
    expect(() => n.host.markApplied(1)).toThrow(/invariant/);
    expect(() => n.host.register(createLateMachine())).toThrow(/before the first apply/);
  });

  it('keeps snapshot data of machines it does not know, and initialises machines the snapshot lacks', () => {
    const n = makeNode();
    n.propose({ machine: 'bank', command: { type: 'open', account: 'alice' } });
    const kvOnly = new MachineHost();
    kvOnly.register(makeNode().kv);
    kvOnly.restore(n.host.snapshot());
    const full = makeNode();
    full.host.restore(kvOnly.snapshot());
    expect(full.host.query('bank', { type: 'balance', account: 'alice' })).toEqual({ balance: 0 });
    expect(full.host.snapshot()).toEqual(n.host.snapshot());
  });

  it('refuses a corrupt snapshot with an invariant error', () => {
    const host = new MachineHost();
    expect(() => host.restore(new Uint8Array([1, 2, 3]))).toThrow(/invariant/);
    expect(() => host.restore(encode({ v: 1 }))).toThrow(/invariant/);
  });
});

function createLateMachine() {
  return defineMachine({
    name: 'late',
    init: () => null,
    validate: (c: unknown) => c,
    apply: () => null,
    query: () => null,
    snapshot: () => null,
    restore: () => null,
  });
}
