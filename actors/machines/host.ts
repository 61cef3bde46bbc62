// MachineHost: the replica's application of committed Command entries. It owns every registered
// machine's state and the exactly-once table, and turns each entry into an ApplyOutcome that is
// identical on every replica whatever the entry's bytes are. The replica calls, in log order:
// `apply` for Command entries, `markApplied` for the others, `restore` when it installs a snapshot.

import { decodeUntrusted, encodeCanonical, fingerprint53, isNonNegativeSafeInteger } from './codec.ts';
import { DEFAULT_DEDUP_LIMITS, DedupTable } from './dedup.ts';
import type { DedupLimits } from './dedup.ts';
import { decodeCommand, encodeCommand, encodeCommandBytes, encodeCommandDecoded, encodeEncodedCommand, idempotencyKeyProblem } from './envelope.ts';
import type { DecodeCommandResult, DecodedEnvelope } from './envelope.ts';
import { ApplyErrorCode, CommandRejectedError, badRequest, invariant } from './errors.ts';
import { isMachineName } from './types.ts';
import { arrayHeader, encodeSnapshotPart, mapHeader, SnapshotBuild, type StreamedValue } from './snapshot-build.ts';
import type { AnyMachineDefinition, ApplyContext } from './types.ts';

/** The part of a Raft entry the host needs (actors/raft/types.ts Entry fits). */
export interface ApplyInput {
  readonly index: number;
  readonly term: number;
  readonly lamport: number;
  readonly data: Uint8Array;
}

export interface ApplyError {
  readonly code: ApplyErrorCode;
  readonly message: string;
}

/**
 * What applying one entry produced. Identical on every replica for the same log.
 * `machine` is null when the entry could not be decoded. `result` is the machine's result, or null
 * when `error` is set. `duplicate` means the idempotency key had already been applied: `result` and
 * `error` are the first application's, `firstIndex` is the index of the entry that applied it, and
 * nothing was applied again.
 */
export interface ApplyOutcome {
  readonly index: number;
  readonly machine: string | null;
  readonly result: unknown;
  readonly duplicate: boolean;
  /** Duplicates only: the log index at which the command took effect. */
  readonly firstIndex?: number;
  readonly idempotencyKey?: string;
  readonly error?: ApplyError;
}

/** Reported to `onApplyFailure` when a machine threw something other than CommandRejectedError. */
export interface ApplyFailureEvent {
  readonly index: number;
  readonly machine: string;
  readonly phase: 'validate' | 'apply' | 'record';
  readonly error: unknown;
}

export interface MachineHostOptions {
  /** How long an idempotency key answers retries, in log time. Default 10 minutes. Cluster-wide. */
  readonly dedupTtlMs?: number;
  readonly dedupMaxRecords?: number;
  readonly dedupMaxBytes?: number;
  /** Local logging only: the outcome does not depend on it. Exceptions thrown by the hook are ignored. */
  readonly onApplyFailure?: (event: ApplyFailureEvent) => void;
}

export interface ProposalOptions {
  readonly idempotencyKey?: string;
  /** The leader's clock now, in ms since the epoch. */
  readonly logTimeMs: number;
}

const SNAPSHOT_VERSION = 1;
const FINGERPRINT_SEED = 0x61746c73;

export class MachineHost {
  private readonly definitions = new Map<string, AnyMachineDefinition>();
  /**
   * Envelopes of the commands this host encoded for its own proposals (machines with
   * `proposerAppliesValidated`), by the entry bytes object, until that entry applies here. Weak: an
   * entry that never applies (a new leader overwrote it) leaves nothing behind.
   */
  private readonly proposed = new WeakMap<Uint8Array, DecodedEnvelope>();
  private states = new Map<string, unknown>();
  /** Snapshot data of machines present in a restored snapshot but not registered here; kept verbatim. */
  private orphans = new Map<string, unknown>();
  private dedup: DedupTable;
  private readonly dedupLimits: DedupLimits;
  private readonly onApplyFailure: (event: ApplyFailureEvent) => void;
  private lastAppliedIndex = 0;
  private lastLogTimeMs = 0;
  private started = false;

  constructor(options: MachineHostOptions = {}) {
    this.dedupLimits = {
      ttlMs: options.dedupTtlMs ?? DEFAULT_DEDUP_LIMITS.ttlMs,
      maxRecords: options.dedupMaxRecords ?? DEFAULT_DEDUP_LIMITS.maxRecords,
      maxBytes: options.dedupMaxBytes ?? DEFAULT_DEDUP_LIMITS.maxBytes,
    };
    this.dedup = new DedupTable(this.dedupLimits);
    this.onApplyFailure = options.onApplyFailure ?? (() => {});
  }

  /** Index of the last entry applied (or covered by the restored snapshot). */
  get appliedIndex(): number {
    return this.lastAppliedIndex;
  }

  /** Log time of the last applied entry that carried one; never decreases. */
  get logTimeMs(): number {
    return this.lastLogTimeMs;
  }

  /** Live records in the exactly-once table. */
  get dedupRecords(): number {
    return this.dedup.size;
  }

  /** Registers a machine. Every replica must register the same machines, before applying anything. */
  register(definition: AnyMachineDefinition): void {
    invariant(!this.started, 'machines must be registered before the first apply or restore');
    invariant(isMachineName(definition.name), `invalid machine name ${JSON.stringify(definition.name)}`);
    invariant(!this.definitions.has(definition.name), `machine ${definition.name} is already registered`);
    this.definitions.set(definition.name, definition);
    this.states.set(definition.name, definition.init());
  }

  has(machine: string): boolean {
    return this.definitions.has(machine);
  }

  /** Registered machine names, sorted. */
  machineNames(): string[] {
    return [...this.definitions.keys()].sort();
  }

  /** Runs the machine's `validate`. Throws CommandRejectedError; an unknown machine is bad_request. */
  validate(machine: string, command: unknown): unknown {
    return this.definitionOrReject(machine).validate(command);
  }

  /** Validates, then encodes the normalised command as entry data. Throws CommandRejectedError. */
  encodeProposal(machine: string, command: unknown, options: ProposalOptions): Uint8Array {
    const definition = this.definitionOrReject(machine);
    const validated = definition.validate(command);
    const envelope = { machine, command: validated, logTimeMs: options.logTimeMs, ...idempotency(options) };
    if (!definition.proposerAppliesValidated) return encodeCommand(envelope);
    const { bytes, decoded } = encodeCommandDecoded(envelope);
    this.proposed.set(bytes, decoded);
    return bytes;
  }

  /**
   * Validates a command a follower will forward and encodes it canonically (the leader wraps it with
   * `encodeForwarded`). Throws CommandRejectedError, as `encodeProposal` would.
   */
  encodeForwardable(machine: string, command: unknown, idempotencyKey: string | undefined): Uint8Array {
    if (idempotencyKey !== undefined) {
      const problem = idempotencyKeyProblem(idempotencyKey);
      if (problem) throw badRequest(problem);
    }
    return encodeCommandBytes(this.validate(machine, command));
  }

  /** Entry data for a command a follower validated and encoded (`encodeForwardable`). Throws CommandRejectedError. */
  encodeForwarded(machine: string, command: Uint8Array, options: ProposalOptions): Uint8Array {
    return encodeEncodedCommand(machine, options.logTimeMs, options.idempotencyKey, command);
  }

  /** Reads a machine's state. Throws CommandRejectedError for an unknown machine or a bad query. */
  query(machine: string, query: unknown): unknown {
    const definition = this.definitionOrReject(machine);
    return definition.query(this.states.get(machine), query);
  }

  /** Advances the applied index past a non-Command entry (Noop, Config). */
  markApplied(index: number): void {
    this.advanceTo(index);
  }

  /** Applies one committed Command entry. Never throws for any `data`; throws only if `index` regresses. */
  apply(entry: ApplyInput): ApplyOutcome {
    this.advanceTo(entry.index);
    // The leader's own proposal, if this is the very bytes object it encoded: the same envelope.
    const own = this.proposed.get(entry.data);
    if (own !== undefined) this.proposed.delete(entry.data);
    const decoded: DecodeCommandResult = own !== undefined ? { ok: true, envelope: own } : decodeCommand(entry.data);
    if (!decoded.ok) {
      return { index: entry.index, machine: null, result: null, duplicate: false, error: decoded.error };
    }
    const envelope = decoded.envelope;
    this.lastLogTimeMs = Math.max(this.lastLogTimeMs, envelope.logTimeMs);
    this.dedup.prune(this.lastLogTimeMs);
    const ctx: ApplyContext = {
      index: entry.index,
      term: entry.term,
      lamport: entry.lamport,
      logTimeMs: this.lastLogTimeMs,
    };
    const key = envelope.idempotencyKey;
    if (key === undefined) return this.execute(envelope, ctx);

    const fingerprint = fingerprintOf(envelope);
    const previous = this.dedup.lookup(key, this.lastLogTimeMs);
    if (previous) {
      if (previous.machine !== envelope.machine || previous.fingerprint !== fingerprint) {
        return this.failure(ctx.index, envelope, {
          code: ApplyErrorCode.BadRequest,
          message: `idempotency key ${JSON.stringify(key)} was already used for a different command`,
        });
      }
      const recorded = decodeUntrusted(previous.outcome) as { result: unknown; error?: ApplyError };
      return {
        index: entry.index,
        machine: previous.machine,
        result: recorded.result ?? null,
        duplicate: true,
        firstIndex: previous.firstIndex,
        idempotencyKey: key,
        ...(recorded.error ? { error: recorded.error } : {}),
      };
    }
    let outcome = this.execute(envelope, ctx);
    let outcomeBytes: Uint8Array;
    try {
      outcomeBytes = encodeCanonical(outcome.error ? { result: null, error: outcome.error } : { result: outcome.result });
    } catch (error) {
      this.report({ index: ctx.index, machine: envelope.machine, phase: 'record', error });
      outcome = this.failure(ctx.index, envelope, {
        code: ApplyErrorCode.ApplyFailed,
        message: `machine ${envelope.machine} returned a result that is not plain data`,
      });
      outcomeBytes = encodeCanonical({ result: null, error: outcome.error });
    }
    this.dedup.record({
      idempotencyKey: key,
      machine: envelope.machine,
      fingerprint,
      firstIndex: ctx.index,
      expiresAtMs: this.lastLogTimeMs + this.dedupLimits.ttlMs,
      outcome: outcomeBytes,
    });
    return outcome;
  }

  /**
   * Every machine's snapshot, the exactly-once table, the applied index and the log time, canonically
   * encoded: two hosts that applied the same entries produce the same bytes.
   */
  snapshot(): Uint8Array {
    return this.beginSnapshot().finish();
  }

  /**
   * The snapshot of the state as it is now (at `appliedIndex`), to be encoded in slices with
   * `step` while later entries apply; the same bytes as `snapshot()` would give now. The canonical
   * encoding of { v, appliedIndex, logTimeMs, machines: [[name, data]] by name, dedup }, written in
   * its sorted key order: appliedIndex, dedup, logTimeMs, machines, v.
   */
  beginSnapshot(): SnapshotBuild {
    const names = [...this.definitions.keys(), ...this.orphans.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const parts: Array<Uint8Array | StreamedValue> = [
      mapHeader(5),
      encodeSnapshotPart('appliedIndex'),
      encodeSnapshotPart(this.lastAppliedIndex),
      encodeSnapshotPart('dedup'),
      encodeSnapshotPart(this.dedup.toSnapshot()),
      encodeSnapshotPart('logTimeMs'),
      encodeSnapshotPart(this.lastLogTimeMs),
      encodeSnapshotPart('machines'),
      arrayHeader(names.length),
    ];
    for (const name of names) {
      parts.push(arrayHeader(2), encodeSnapshotPart(name));
      const definition = this.definitions.get(name);
      if (definition === undefined) parts.push(encodeSnapshotPart(this.orphans.get(name)));
      else if (definition.captureSnapshot) parts.push(definition.captureSnapshot(this.states.get(name)));
      else parts.push(encodeSnapshotPart(definition.snapshot(this.states.get(name))));
    }
    parts.push(encodeSnapshotPart('v'), encodeSnapshotPart(SNAPSHOT_VERSION));
    return new SnapshotBuild(parts);
  }

  /**
   * Replaces all state with a snapshot's. Registered machines absent from it start from `init()`;
   * machines it holds that are not registered are kept verbatim for the next snapshot.
   * Throws an invariant Error on corrupt bytes: the host must then be discarded.
   */
  restore(bytes: Uint8Array): void {
    this.started = true;
    let data: unknown;
    try {
      data = decodeUntrusted(bytes);
    } catch (cause) {
      throw new Error('invariant: machine snapshot is not valid msgpack', { cause });
    }
    const snapshot = data as Record<string, unknown>;
    invariant(typeof data === 'object' && data !== null, 'machine snapshot must be a map');
    invariant(snapshot.v === SNAPSHOT_VERSION, 'unsupported machine snapshot version');
    invariant(isNonNegativeSafeInteger(snapshot.appliedIndex), 'machine snapshot has an invalid applied index');
    invariant(isNonNegativeSafeInteger(snapshot.logTimeMs), 'machine snapshot has an invalid log time');
    invariant(Array.isArray(snapshot.machines), 'machine snapshot has no machine list');
    const saved = new Map<string, unknown>();
    for (const row of snapshot.machines as unknown[]) {
      invariant(Array.isArray(row) && row.length === 2 && typeof row[0] === 'string', 'machine snapshot row is invalid');
      saved.set(row[0] as string, row[1]);
    }
    const dedup = DedupTable.fromSnapshot(snapshot.dedup, this.dedupLimits);
    const states = new Map<string, unknown>();
    for (const [name, definition] of this.definitions) {
      states.set(name, saved.has(name) ? definition.restore(saved.get(name)) : definition.init());
      saved.delete(name);
    }
    this.states = states;
    this.orphans = saved;
    this.dedup = dedup;
    this.lastAppliedIndex = snapshot.appliedIndex;
    this.lastLogTimeMs = snapshot.logTimeMs;
  }

  private advanceTo(index: number): void {
    invariant(
      isNonNegativeSafeInteger(index) && index > this.lastAppliedIndex,
      `entry ${index} applied after entry ${this.lastAppliedIndex}`,
    );
    this.started = true;
    this.lastAppliedIndex = index;
  }

  private execute(envelope: DecodedEnvelope, ctx: ApplyContext): ApplyOutcome {
    const definition = this.definitions.get(envelope.machine);
    if (!definition) {
      return this.failure(ctx.index, envelope, {
        code: ApplyErrorCode.BadRequest,
        message: `unknown machine ${JSON.stringify(envelope.machine)}`,
      });
    }
    let command: unknown;
    try {
      command = definition.validate(envelope.command);
    } catch (error) {
      return this.failure(ctx.index, envelope, this.describe(ctx.index, envelope.machine, 'validate', error));
    }
    try {
      const result = definition.apply(this.states.get(envelope.machine), command, ctx);
      return {
        index: ctx.index,
        machine: envelope.machine,
        result: result === undefined ? null : result,
        duplicate: false,
        ...idempotency(envelope),
      };
    } catch (error) {
      return this.failure(ctx.index, envelope, this.describe(ctx.index, envelope.machine, 'apply', error));
    }
  }

  /** A CommandRejectedError keeps its code and message; anything else gets a fixed message and is logged. */
  private describe(index: number, machine: string, phase: 'validate' | 'apply', error: unknown): ApplyError {
    if (error instanceof CommandRejectedError) return { code: error.code, message: error.message };
    this.report({ index, machine, phase, error });
    return { code: ApplyErrorCode.ApplyFailed, message: `machine ${machine} failed to ${phase} the command` };
  }

  private failure(index: number, envelope: DecodedEnvelope, error: ApplyError): ApplyOutcome {
    return { index, machine: envelope.machine, result: null, duplicate: false, ...idempotency(envelope), error };
  }

  private report(event: ApplyFailureEvent): void {
    try {
      this.onApplyFailure(event);
    } catch {
      // Logging must not change the outcome.
    }
  }

  private definitionOrReject(machine: string): AnyMachineDefinition {
    const definition = typeof machine === 'string' ? this.definitions.get(machine) : undefined;
    if (!definition) throw badRequest(`unknown machine ${JSON.stringify(machine)}`);
    return definition;
  }
}

function idempotency(source: { readonly idempotencyKey?: string | undefined }): { idempotencyKey?: string } {
  return source.idempotencyKey === undefined ? {} : { idempotencyKey: source.idempotencyKey };
}

function fingerprintOf(envelope: DecodedEnvelope): number {
  const name = new TextEncoder().encode(envelope.machine);
  return fingerprint53(envelope.commandBytes, fingerprint53(name, FINGERPRINT_SEED));
}
