// Test harness: a host with the KV and bank machines, and a log writer that turns proposals into
// committed entries with consecutive indexes, as a replica would apply them.

import { encodeCommand } from '../../actors/machines/envelope.ts';
import { MachineHost } from '../../actors/machines/host.ts';
import type { ApplyOutcome, MachineHostOptions } from '../../actors/machines/host.ts';
import { bankMachine } from '../../actors/machines/examples/bank.ts';
import { createKvMachine } from '../../actors/machines/kv/machine.ts';
import type { KvMachine, KvMachineOptions } from '../../actors/machines/kv/machine.ts';

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array | null | undefined): string | null => (b ? new TextDecoder().decode(b) : null);

export interface Proposal {
  readonly machine?: string;
  readonly command: unknown;
  readonly idempotencyKey?: string;
  /** Log time of the entry; defaults to the writer's clock. */
  readonly logTimeMs?: number;
}

export interface RawEntry {
  readonly index: number;
  readonly term: number;
  readonly lamport: number;
  readonly data: Uint8Array;
}

/** Produces entries with consecutive indexes, lamport = index + 100, a clock advancing 1 ms per entry. */
export class LogWriter {
  index = 0;
  term = 1;
  clockMs = 1_700_000_000_000;

  entry(proposal: Proposal): RawEntry {
    const logTimeMs = proposal.logTimeMs ?? this.clockMs;
    const data = encodeCommand({
      machine: proposal.machine ?? 'kv',
      command: proposal.command,
      logTimeMs,
      ...(proposal.idempotencyKey !== undefined ? { idempotencyKey: proposal.idempotencyKey } : {}),
    });
    return this.raw(data);
  }

  raw(data: Uint8Array): RawEntry {
    this.index += 1;
    this.clockMs += 1;
    return { index: this.index, term: this.term, lamport: this.index + 100, data };
  }
}

export interface TestNode {
  readonly host: MachineHost;
  readonly kv: KvMachine;
  readonly log: LogWriter;
  /** Proposes through validation (as the leader would), commits and applies; returns the outcome. */
  propose(proposal: Proposal): ApplyOutcome;
  /** Shorthand: propose a KV command and return its result. */
  kvDo(command: unknown): any;
  kvQuery(query: unknown): any;
}

export function makeNode(options: { host?: MachineHostOptions; kv?: KvMachineOptions } = {}): TestNode {
  const host = new MachineHost(options.host);
  const kv = createKvMachine(options.kv);
  host.register(kv);
  host.register(bankMachine);
  const log = new LogWriter();
  const node: TestNode = {
    host,
    kv,
    log,
    propose(proposal) {
      const machine = proposal.machine ?? 'kv';
      const command = host.validate(machine, proposal.command);
      return host.apply(log.entry({ ...proposal, command }));
    },
    kvDo(command) {
      const outcome = node.propose({ command });
      if (outcome.error) throw new Error(`unexpected error outcome ${JSON.stringify(outcome.error)}`);
      return outcome.result;
    },
    kvQuery: (query) => host.query('kv', query),
  };
  return node;
}
