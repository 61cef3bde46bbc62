// The built-in `ledger` machine: records the genesis membership, the replicas' public keys and the
// latest seal. `apply` checks nothing cryptographic (WebCrypto is async and apply is not); whether
// each seal really signs the chain is decided by verification (verify.ts), which replays the same
// rules. Outcomes depend only on the command and the state, as every machine's must.

import { defineMachine, type MachineDefinition } from '../machines/types.ts';
import { badRequest } from '../machines/errors.ts';
import { isPlainObject } from '../machines/codec.ts';
import type { ChainHead } from './chain.ts';
import { LEDGER_MACHINE, type LedgerCommand, validateLedgerCommand } from './commands.ts';
import { toHex } from './hex.ts';
import { emptyLedgerState, ledgerSnapshot, restoreLedgerSnapshot, type LedgerState, type SealRecord } from './state.ts';

export type LedgerResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface LedgerStateView {
  readonly head: { readonly index: number; readonly hash: string };
  readonly genesis: { readonly voters: readonly string[]; readonly learners: readonly string[] } | null;
  readonly keys: readonly { readonly replica: string; readonly publicKey: string; readonly index: number }[];
  readonly lastSeal: SealRecord | null;
}

/** What the machine needs from the Ledger that owns it. */
export interface LedgerMachineHooks {
  /** The chain head now (the entry being snapshotted is the last one hashed). */
  head(): ChainHead;
  /** A new state object replaced the old one (init, restore); `head` is the restored head, if any. */
  adopt(state: LedgerState, head: ChainHead | null): void;
  /** A seal entry was applied. */
  sealed(record: SealRecord, signature: Uint8Array): void;
}

export type LedgerMachine = MachineDefinition<LedgerState, LedgerCommand, LedgerResult, unknown, LedgerStateView>;

export function createLedgerMachine(hooks: LedgerMachineHooks): LedgerMachine {
  return defineMachine<LedgerState, LedgerCommand, LedgerResult, unknown, LedgerStateView>({
    name: LEDGER_MACHINE,
    init() {
      const state = emptyLedgerState();
      hooks.adopt(state, null);
      return state;
    },
    validate: validateLedgerCommand,
    apply(state, command, ctx) {
      switch (command.type) {
        case 'genesis':
          if (state.genesis !== null) return { ok: false, reason: 'the genesis membership is already recorded' };
          state.genesis = { voters: [...command.voters], learners: [...command.learners] };
          return { ok: true };
        case 'register':
          state.keys.set(command.replica, { publicKey: command.publicKey.slice(), index: ctx.index });
          return { ok: true };
        case 'seal': {
          if (command.upTo >= ctx.index) return { ok: false, reason: `a seal at index ${ctx.index} cannot cover entry ${command.upTo}` };
          const record: SealRecord = { index: ctx.index, signer: command.signer, from: command.from, upTo: command.upTo };
          state.lastSeal = record;
          hooks.sealed(record, command.signature.slice());
          return { ok: true };
        }
      }
    },
    query(state, query) {
      if (!isPlainObject(query) || query.type !== 'state') throw badRequest('ledger query must be {"type":"state"}');
      const head = hooks.head();
      return {
        head: { index: head.index, hash: toHex(head.hash) },
        genesis: state.genesis,
        keys: [...state.keys].map(([replica, key]) => ({ replica, publicKey: toHex(key.publicKey), index: key.index })),
        lastSeal: state.lastSeal,
      };
    },
    snapshot: (state) => ledgerSnapshot(state, hooks.head()),
    restore(data) {
      const { state, head } = restoreLedgerSnapshot(data);
      hooks.adopt(state, head);
      return state;
    },
  });
}
