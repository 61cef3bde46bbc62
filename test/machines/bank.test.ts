import { describe, expect, it } from 'vitest';
import { CommandRejectedError } from '../../actors/machines/errors.ts';
import { bankMachine } from '../../actors/machines/examples/bank.ts';
import { makeNode } from './harness.ts';

const bank = (n: ReturnType<typeof makeNode>, command: unknown) => n.propose({ machine: 'bank', command }).result;
const balance = (n: ReturnType<typeof makeNode>, account: string) =>
  (n.host.query('bank', { type: 'balance', account }) as { balance: number | null }).balance;

describe('bank example machine', () => {
  it('opens accounts, deposits and transfers', () => {
    const n = makeNode();
    expect(bank(n, { type: 'open', account: 'alice' })).toEqual({ ok: true, balances: { alice: 0 } });
    expect(bank(n, { type: 'open', account: 'alice' })).toEqual({ ok: false, code: 'account_exists', account: 'alice' });
    bank(n, { type: 'open', account: 'bob' });
    expect(bank(n, { type: 'deposit', account: 'alice', amount: 100 })).toEqual({ ok: true, balances: { alice: 100 } });
    expect(bank(n, { type: 'transfer', from: 'alice', to: 'bob', amount: 30 })).toEqual({
      ok: true,
      balances: { alice: 70, bob: 30 },
    });
    expect(bank(n, { type: 'deposit', account: 'carol', amount: 1 })).toEqual({ ok: false, code: 'unknown_account', account: 'carol' });
    expect(n.host.query('bank', { type: 'total' })).toEqual({ total: 100, accounts: 2 });
  });

  it('never overdraws: an insufficient transfer is a failed result that changes nothing', () => {
    const n = makeNode();
    bank(n, { type: 'open', account: 'a' });
    bank(n, { type: 'open', account: 'b' });
    bank(n, { type: 'deposit', account: 'a', amount: 10 });
    expect(bank(n, { type: 'transfer', from: 'a', to: 'b', amount: 11 })).toEqual({ ok: false, code: 'insufficient_funds', account: 'a' });
    expect(bank(n, { type: 'transfer', from: 'a', to: 'b', amount: 10 })).toMatchObject({ ok: true });
    expect(bank(n, { type: 'transfer', from: 'a', to: 'b', amount: 1 })).toMatchObject({ code: 'insufficient_funds' });
    expect([balance(n, 'a'), balance(n, 'b')]).toEqual([0, 10]);
  });

  it('conserves the total and keeps balances non-negative under many random transfers', () => {
    const n = makeNode();
    const accounts = ['a', 'b', 'c', 'd'];
    for (const account of accounts) {
      bank(n, { type: 'open', account });
      bank(n, { type: 'deposit', account, amount: 50 });
    }
    let s = 1;
    const rand = (m: number) => ((s = (Math.imul(s, 48271) + 11) >>> 0) >>> 8) % m;
    let failures = 0;
    for (let i = 0; i < 500; i++) {
      const from = accounts[rand(4)]!;
      const to = accounts[(accounts.indexOf(from) + 1 + rand(3)) % 4]!;
      const result = bank(n, { type: 'transfer', from, to, amount: 1 + rand(40) }) as { ok: boolean };
      if (!result.ok) failures++;
      for (const account of accounts) expect(balance(n, account)).toBeGreaterThanOrEqual(0);
    }
    expect(failures).toBeGreaterThan(0);
    expect(n.host.query('bank', { type: 'total' })).toEqual({ total: 200, accounts: 4 });
  });

  it.each([
    [{ type: 'withdraw', account: 'a', amount: 1 }],
    [{ type: 'deposit', account: 'a', amount: 0 }],
    [{ type: 'deposit', account: 'a', amount: -5 }],
    [{ type: 'deposit', account: 'a', amount: 1.5 }],
    [{ type: 'deposit', account: 'A B', amount: 1 }],
    [{ type: 'transfer', from: 'a', to: 'a', amount: 1 }],
    [{ type: 'transfer', from: 'a', amount: 1 }],
    ['open'],
  ])('rejects malformed %j at validate, before the log', (command) => {
    const n = makeNode();
    expect(() => n.host.validate('bank', command)).toThrow(CommandRejectedError);
    expect(() => bankMachine.validate(command)).toThrow(/must|cannot|type/);
  });

  it('refuses a deposit that would exceed the safe integer range', () => {
    const n = makeNode();
    bank(n, { type: 'open', account: 'rich' });
    bank(n, { type: 'deposit', account: 'rich', amount: Number.MAX_SAFE_INTEGER });
    expect(bank(n, { type: 'deposit', account: 'rich', amount: 1 })).toEqual({ ok: false, code: 'balance_limit', account: 'rich' });
    expect(balance(n, 'rich')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('snapshots in account order and restores the same balances', () => {
    const n = makeNode();
    for (const account of ['zed', 'amy']) bank(n, { type: 'open', account });
    bank(n, { type: 'deposit', account: 'zed', amount: 5 });
    const state = bankMachine.restore(bankMachine.snapshot({ balances: new Map([['zed', 5], ['amy', 0]]) }));
    expect(bankMachine.snapshot(state)).toEqual([['amy', 0], ['zed', 5]]);
    const m = makeNode();
    m.host.restore(n.host.snapshot());
    expect(balance(m, 'zed')).toBe(5);
    expect(m.host.snapshot()).toEqual(n.host.snapshot());
  });
});
