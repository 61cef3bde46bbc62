import { describe, expect, it } from 'vitest';
import { CommandRejectedError } from '../../actors/machines/errors.ts';
import { MAX_KEY_BYTES } from '../../actors/machines/kv/keys.ts';
import { createKvMachine } from '../../actors/machines/kv/machine.ts';
import { text } from './harness.ts';

const kv = createKvMachine();

function rejection(command: unknown, machine = kv): { code: string; message: string } {
  try {
    machine.validate(command);
  } catch (error) {
    expect(error).toBeInstanceOf(CommandRejectedError);
    const e = error as CommandRejectedError;
    expect(e.name).toBe('CommandRejectedError');
    return { code: e.code, message: e.message };
  }
  throw new Error('expected a rejection');
}

describe('kv key validation', () => {
  it('accepts 1 to 1024 bytes and refuses 0 and 1025', () => {
    expect(MAX_KEY_BYTES).toBe(1024);
    expect(kv.validate({ type: 'put', key: 'k', value: text('') })).toMatchObject({ key: 'k' });
    expect(kv.validate({ type: 'put', key: 'x'.repeat(1024), value: text('') })).toMatchObject({ type: 'put' });
    expect(rejection({ type: 'put', key: 'x'.repeat(1025), value: text('') }).code).toBe('bad_request');
    expect(rejection({ type: 'put', key: '', value: text('') }).code).toBe('bad_request');
  });

  it('counts UTF-8 bytes, not characters, for multi-byte keys', () => {
    const euro = '€'; // 3 bytes
    const emoji = '\u{1F600}'; // 4 bytes, 2 UTF-16 units
    expect(kv.validate({ type: 'delete', key: euro.repeat(341) + 'a' })).toMatchObject({ type: 'delete' }); // 1024
    expect(rejection({ type: 'delete', key: euro.repeat(341) + 'ab' }).message).toMatch(/1025/);
    expect(kv.validate({ type: 'delete', key: emoji.repeat(256) })).toMatchObject({ type: 'delete' }); // 1024
    expect(rejection({ type: 'delete', key: emoji.repeat(256) + 'a' }).code).toBe('bad_request');
    expect(kv.validate({ type: 'delete', key: 'é'.repeat(512) })).toMatchObject({ type: 'delete' });
    expect(rejection({ type: 'delete', key: 'é'.repeat(513) }).code).toBe('bad_request');
  });

  it('allows slashes and refuses lone surrogates and non-strings', () => {
    expect(kv.validate({ type: 'delete', key: '/a//b/' })).toEqual({ type: 'delete', key: '/a//b/' });
    expect(rejection({ type: 'delete', key: 'bad\uD800' }).message).toMatch(/UTF-8/);
    expect(rejection({ type: 'delete', key: '\uDC00x' }).code).toBe('bad_request');
    expect(rejection({ type: 'delete', key: 42 }).code).toBe('bad_request');
  });
});

describe('kv value validation', () => {
  it('refuses values over 1 MiB by default with too_large', () => {
    expect(kv.validate({ type: 'put', key: 'k', value: new Uint8Array(1024 * 1024) })).toMatchObject({ type: 'put' });
    expect(rejection({ type: 'put', key: 'k', value: new Uint8Array(1024 * 1024 + 1) }).code).toBe('too_large');
  });

  it('takes the limit from createKvMachine({ maxValueBytes }) and applies it inside transactions', () => {
    const small = createKvMachine({ maxValueBytes: 4 });
    expect(small.limits.maxValueBytes).toBe(4);
    expect(small.validate({ type: 'put', key: 'k', value: text('1234') })).toMatchObject({ type: 'put' });
    expect(rejection({ type: 'put', key: 'k', value: text('12345') }, small).code).toBe('too_large');
    expect(rejection({ type: 'txn', success: [{ op: 'put', key: 'k', value: text('12345') }] }, small).code).toBe('too_large');
    expect(rejection({ type: 'txn', compare: [{ key: 'k', value: text('12345') }] }, small).code).toBe('too_large');
  });

  it('refuses non-byte values', () => {
    expect(rejection({ type: 'put', key: 'k', value: 'text' }).code).toBe('bad_request');
    expect(rejection({ type: 'put', key: 'k' }).code).toBe('bad_request');
  });
});

describe('kv command shape', () => {
  it.each([
    [null, /object/],
    [[], /object/],
    [{ type: 'merge', key: 'k' }, /type/],
    [{ type: 'put', key: 'k', value: new Uint8Array(), ifRevison: 3 }, /unknown field "ifRevison"/],
    [{ type: 'put', key: 'k', value: new Uint8Array(), ifRevision: -1 }, /ifRevision/],
    [{ type: 'put', key: 'k', value: new Uint8Array(), ifRevision: 1.5 }, /ifRevision/],
    [{ type: 'put', key: 'k', value: new Uint8Array(), ifRevision: 1, ifAbsent: true }, /combined/],
    [{ type: 'put', key: 'k', value: new Uint8Array(), ifAbsent: 'yes' }, /ifAbsent/],
    [{ type: 'put', key: 'k', value: new Uint8Array(), ttlSeconds: 0 }, /ttlSeconds/],
    [{ type: 'txn', compare: [{ key: 'k' }] }, /exactly one/],
    [{ type: 'txn', compare: [{ key: 'k', revision: 1, exists: true }] }, /exactly one/],
    [{ type: 'txn', success: [{ op: 'incr', key: 'k' }] }, /op must be/],
    [{ type: 'txn', success: [{ op: 'put', key: 'k', value: text('1') }, { op: 'delete', key: 'k' }] }, /more than once/],
    [{ type: 'txn', success: 'nope' }, /array/],
    [{ type: 'expire', keys: [{ key: 'k', modRevision: 0 }] }, /modRevision/],
  ])('refuses %j', (command, message) => {
    const r = rejection(command);
    expect(r.code).toBe('bad_request');
    expect(r.message).toMatch(message);
  });

  it('treats null optional fields as absent and normalises the command', () => {
    const value = text('v');
    expect(kv.validate({ type: 'put', key: 'k', value, ifRevision: null, ifAbsent: false, ttlSeconds: undefined })).toEqual({
      type: 'put',
      key: 'k',
      value,
    });
    expect(kv.validate({ type: 'txn', compare: [{ key: 'k', exists: false }] })).toEqual({
      type: 'txn',
      compare: [{ key: 'k', exists: false }],
      success: [],
      failure: [],
    });
  });

  it('limits the number of transaction ops', () => {
    const ops = Array.from({ length: 129 }, (_, i) => ({ op: 'get', key: `k${i}` }));
    expect(rejection({ type: 'txn', success: ops }).message).toMatch(/at most 128/);
  });

  it('validates queries and throws CommandRejectedError for bad ones', () => {
    const state = kv.init();
    expect(kv.query(state, { type: 'list', prefix: 'a', limit: 1000 })).toMatchObject({ items: [], next: null });
    expect(() => kv.query(state, { type: 'list', limit: 1001 })).toThrow(CommandRejectedError);
    expect(() => kv.query(state, { type: 'get', key: '' })).toThrow(/key/);
    expect(() => kv.query(state, { type: 'scan' } as never)).toThrow(CommandRejectedError);
  });
});
