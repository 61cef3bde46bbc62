// An example user machine: bank accounts holding integer balances (minor units). Shows the split
// every machine makes: malformed commands are rejected by `validate` before the log; a well-formed
// command that cannot proceed (unknown account, insufficient funds) is a failed result at apply time.
// Invariant: no balance is ever negative, and transfers conserve the total.

import { isNonNegativeSafeInteger, isPlainObject } from '../codec.ts';
import { badRequest, invariant } from '../errors.ts';
import { defineMachine } from '../types.ts';

export interface BankState {
  readonly balances: Map<string, number>;
}

export type BankCommand =
  | { readonly type: 'open'; readonly account: string }
  | { readonly type: 'deposit'; readonly account: string; readonly amount: number }
  | { readonly type: 'transfer'; readonly from: string; readonly to: string; readonly amount: number };

export type BankFailureCode = 'account_exists' | 'unknown_account' | 'insufficient_funds' | 'balance_limit';

export type BankResult =
  | { readonly ok: true; readonly balances: Readonly<Record<string, number>> }
  | { readonly ok: false; readonly code: BankFailureCode; readonly account: string };

export type BankQuery = { readonly type: 'balance'; readonly account: string } | { readonly type: 'total' };
export type BankQueryResult = { readonly balance: number | null } | { readonly total: number; readonly accounts: number };

const ACCOUNT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function account(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ACCOUNT_PATTERN.test(value)) {
    throw badRequest(`${field} must be an account name (lowercase letters, digits, '_' or '-', at most 64)`);
  }
  return value;
}

function amount(value: unknown): number {
  if (!isNonNegativeSafeInteger(value) || value === 0) throw badRequest('amount must be a positive integer');
  return value;
}

export const bankMachine = defineMachine<BankState, BankCommand, BankResult, BankQuery, BankQueryResult>({
  name: 'bank',
  init: () => ({ balances: new Map() }),

  validate(command) {
    if (!isPlainObject(command)) throw badRequest('command must be an object');
    switch (command.type) {
      case 'open':
        return { type: 'open', account: account(command.account, 'account') };
      case 'deposit':
        return { type: 'deposit', account: account(command.account, 'account'), amount: amount(command.amount) };
      case 'transfer': {
        const from = account(command.from, 'from');
        const to = account(command.to, 'to');
        if (from === to) throw badRequest('cannot transfer to the same account');
        return { type: 'transfer', from, to, amount: amount(command.amount) };
      }
      default:
        throw badRequest('command type must be open, deposit or transfer');
    }
  },

  apply({ balances }, command) {
    switch (command.type) {
      case 'open':
        if (balances.has(command.account)) return { ok: false, code: 'account_exists', account: command.account };
        balances.set(command.account, 0);
        return { ok: true, balances: { [command.account]: 0 } };
      case 'deposit': {
        const balance = balances.get(command.account);
        if (balance === undefined) return { ok: false, code: 'unknown_account', account: command.account };
        const next = balance + command.amount;
        if (!Number.isSafeInteger(next)) return { ok: false, code: 'balance_limit', account: command.account };
        balances.set(command.account, next);
        return { ok: true, balances: { [command.account]: next } };
      }
      case 'transfer': {
        const from = balances.get(command.from);
        if (from === undefined) return { ok: false, code: 'unknown_account', account: command.from };
        const to = balances.get(command.to);
        if (to === undefined) return { ok: false, code: 'unknown_account', account: command.to };
        if (from < command.amount) return { ok: false, code: 'insufficient_funds', account: command.from };
        if (!Number.isSafeInteger(to + command.amount)) return { ok: false, code: 'balance_limit', account: command.to };
        balances.set(command.from, from - command.amount);
        balances.set(command.to, to + command.amount);
        return { ok: true, balances: { [command.from]: from - command.amount, [command.to]: to + command.amount } };
      }
    }
  },

  query({ balances }, query) {
    if (!isPlainObject(query)) throw badRequest('query must be an object');
    if (query.type === 'balance') return { balance: balances.get(account(query.account, 'account')) ?? null };
    if (query.type === 'total') {
      let total = 0;
      for (const balance of balances.values()) total += balance;
      return { total, accounts: balances.size };
    }
    throw badRequest('query type must be balance or total');
  },

  snapshot: ({ balances }) => [...balances].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),

  restore(data) {
    invariant(Array.isArray(data), 'bank snapshot must be an array');
    const balances = new Map<string, number>();
    for (const row of data as unknown[]) {
      invariant(Array.isArray(row) && typeof row[0] === 'string' && isNonNegativeSafeInteger(row[1]), 'bank snapshot row is invalid');
      balances.set(row[0], row[1]);
    }
    return { balances };
  },
});
