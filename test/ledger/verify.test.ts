import { beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HEAD, HashChain, EntryHasher } from '../../actors/ledger/chain.ts';
import { GENESIS_ANCHOR, type LedgerAnchor } from '../../actors/ledger/ledger.ts';
import type { LedgerIdentity } from '../../actors/ledger/keys.ts';
import { toHex } from '../../actors/ledger/hex.ts';
import { emptyLedgerState } from '../../actors/ledger/state.ts';
import { verifyLedger } from '../../actors/ledger/verify.ts';
import type { Entry } from '../../actors/raft/types.ts';
import { LogBuilder, flipDataByte, newIdentity } from './log-builder.ts';

let r1: LedgerIdentity;
let r2: LedgerIdentity;
let outsider: LedgerIdentity;

beforeAll(async () => {
  [r1, r2, outsider] = await Promise.all([newIdentity(), newIdentity(), newIdentity()]);
});

/**
 * 1 noop, 2 genesis r1..r3, 3 register r1, 4..13 puts, 14 seal (0,13] by r1, 15..17 puts,
 * 18 seal (13,17] by r1, 19 put (unsealed).
 */
async function sealedLog(): Promise<LogBuilder> {
  const log = new LogBuilder();
  log.noop();
  log.genesis(['r1', 'r2', 'r3']);
  await log.register('r1', r1);
  for (let i = 0; i < 10; i++) log.put(`k${i}`, `value ${i}`);
  await log.seal('r1', r1, 0);
  for (let i = 10; i < 13; i++) log.put(`k${i}`, `value ${i}`);
  await log.seal('r1', r1, 13);
  log.put('tail', 'unsealed');
  return log;
}

function replace(entries: readonly Entry[], index: number, entry: Entry): Entry[] {
  return entries.map((e) => (e.index === index ? entry : e));
}

describe('hash chain', () => {
  it('links each entry to its parent and remembers hashes until told to forget', () => {
    const log = new LogBuilder();
    log.noop();
    log.put('a', '1');
    log.put('b', '2');
    const hasher = new EntryHasher();
    const h1 = hasher.hash(log.entries[0]!, GENESIS_HEAD.hash);
    const h2 = hasher.hash(log.entries[1]!, h1);
    expect(toHex(log.chain.hashAt(1)!)).toBe(toHex(h1));
    expect(toHex(log.chain.hashAt(2)!)).toBe(toHex(h2));
    expect(log.chain.head.index).toBe(3);
    log.chain.forgetBelow(2);
    expect(log.chain.hashAt(1)).toBeNull();
    expect(toHex(log.chain.hashAt(2)!)).toBe(toHex(h2));
    expect(() => log.chain.append({ ...log.entries[2]!, index: 5 })).toThrow(/expected entry 4/);
  });

  it('grows and compacts its packed buffer without changing any remembered hash', () => {
    const chain = new HashChain();
    const reference: string[] = [];
    for (let i = 1; i <= 5000; i++) {
      chain.append({ index: i, term: 1, lamport: i, type: 1, data: new Uint8Array([i & 0xff, i >> 8]) });
      reference[i] = toHex(chain.hashAt(i)!);
      if (i % 700 === 0) chain.forgetBelow(i - 50);
    }
    for (let i = 4951; i <= 5000; i++) expect(toHex(chain.hashAt(i)!)).toBe(reference[i]);
  });
});

describe('verifyLedger', () => {
  it('accepts an intact log and reports what was sealed and by whom', async () => {
    const log = await sealedLog();
    const report = await verifyLedger(GENESIS_ANCHOR, log.entries);
    expect(report).toMatchObject({ ok: true, checked: 19, sealedThrough: 17, unsealed: 2, seals: 2, signers: ['r1'] });
    expect(report.head).toEqual({ index: 19, hash: toHex(log.chain.hashAt(19)!) });
    expect(report.keys).toEqual({ r1: toHex(r1.publicKey) });
    expect(report.failure).toBeUndefined();
  });

  it('names the entry whose stored bytes changed', async () => {
    const log = await sealedLog();
    const tampered = replace(log.entries, 7, flipDataByte(log.entries[6]!, 20));
    const report = await verifyLedger(GENESIS_ANCHOR, tampered);
    expect(report.ok).toBe(false);
    expect(report.failure!.index).toBe(7);
    expect(report.failure!.reason).toMatch(/entry 7 does not match the hash sealed by r1 at index 14/);
  });

  it('names the first of two entries whose contents were swapped', async () => {
    const log = await sealedLog();
    const [e8, e9] = [log.entries[7]!, log.entries[8]!];
    const swapped = replace(replace(log.entries, 8, { ...e9, index: 8 }), 9, { ...e8, index: 9 });
    const report = await verifyLedger(GENESIS_ANCHOR, swapped);
    expect(report.failure).toEqual({ index: 8, reason: expect.stringMatching(/entry 8 does not match/) });
  });

  it('names the position where entries are out of order', async () => {
    const log = await sealedLog();
    const reordered = [...log.entries];
    [reordered[4], reordered[5]] = [reordered[5]!, reordered[4]!];
    const report = await verifyLedger(GENESIS_ANCHOR, reordered);
    expect(report.failure).toEqual({ index: 5, reason: 'expected entry 5 here, found entry 6' });
    expect(report.checked).toBe(4);
  });

  it('rejects a seal signed with a key that is not the one registered for its signer', async () => {
    const log = await sealedLog();
    const forged = await log.seal('r1', outsider, 17);
    const report = await verifyLedger(GENESIS_ANCHOR, log.entries);
    expect(report.failure).toEqual({ index: forged.index, reason: expect.stringMatching(/not signed by the key registered for r1 at index 3/) });
  });

  it('rejects a seal by a replica that registered a key but is not a member', async () => {
    const log = await sealedLog();
    await log.register('mallory', outsider);
    const forged = await log.seal('mallory', outsider, 17);
    const report = await verifyLedger(GENESIS_ANCHOR, log.entries);
    expect(report.failure).toEqual({ index: forged.index, reason: expect.stringMatching(/signed as mallory, not a member/) });
  });

  it('rejects a registration not signed by the key it registers', async () => {
    const log = await sealedLog();
    const bad = await log.register('r2', r2, outsider);
    const report = await verifyLedger(GENESIS_ANCHOR, log.entries);
    expect(report.failure).toEqual({ index: bad.index, reason: expect.stringMatching(/registration of a key for r2 is not signed by that key/) });
  });

  it('stops accepting seals from a member once a configuration entry removes it', async () => {
    const log = await sealedLog();
    await log.register('r2', r2);
    log.config({ voters: ['r2', 'r3'], learners: [] });
    const afterRemoval = await log.seal('r1', r1, 17);
    const report = await verifyLedger(GENESIS_ANCHOR, log.entries);
    expect(report.failure).toEqual({ index: afterRemoval.index, reason: expect.stringMatching(/r1, not a member/) });
  });

  it('verifies from a snapshot anchor, skipping tags of entries the snapshot covers', async () => {
    const log = await sealedLog();
    const state = emptyLedgerState();
    state.genesis = { voters: ['r1', 'r2', 'r3'], learners: [] };
    state.keys.set('r1', { publicKey: r1.publicKey, index: 3 });
    const anchor: LedgerAnchor = { head: { index: 10, hash: log.chain.hashAt(10)! }, config: { voters: ['r1', 'r2', 'r3'], learners: [] }, state };
    const report = await verifyLedger(anchor, log.entries.slice(10));
    expect(report).toMatchObject({ ok: true, checked: 9, anchor: { index: 10 }, seals: 2 });
    const wrongAnchor: LedgerAnchor = { ...anchor, head: { index: 10, hash: log.chain.hashAt(9)! } };
    const mismatch = await verifyLedger(wrongAnchor, log.entries.slice(10));
    expect(mismatch.failure!.index).toBe(11);
  });

  it('cannot vouch for entries after the last seal: they are counted as unsealed', async () => {
    const log = await sealedLog();
    const tampered = replace(log.entries, 19, flipDataByte(log.entries[18]!, 20));
    const report = await verifyLedger(GENESIS_ANCHOR, tampered);
    expect(report).toMatchObject({ ok: true, sealedThrough: 17, unsealed: 2 });
  });
});
