// The public API for defining a replicated state machine. A machine is a set of pure functions over a
// State value the host owns; the host feeds it committed log entries in log order on every replica.

import type { StreamedValue } from './snapshot-build.ts';

/** Facts about the entry being applied. Every field is recorded in the log: identical on every replica. */
export interface ApplyContext {
  /** Log index of the entry. */
  readonly index: number;
  /** Term of the entry. */
  readonly term: number;
  /** The leader's Lamport clock when it appended the entry. */
  readonly lamport: number;
  /**
   * The proposing leader's clock when the entry was proposed, recorded in the entry: identical on every
   * replica. The host never lets it go backwards: it is max(previous logTimeMs, the entry's time).
   */
  readonly logTimeMs: number;
}

/**
 * A deterministic state machine. Contracts:
 * - `name` matches MACHINE_NAME_PATTERN and is unique within a host.
 * - `validate` is pure and deterministic; it throws CommandRejectedError for any malformed input and
 *   returns a normalised Command. The host runs it before proposing AND again at apply time (the log
 *   may hold any bytes), so its limits are cluster-wide configuration: every replica must agree on them.
 * - `apply` may mutate `state` and must be deterministic: no wall clock, no randomness, no I/O, no
 *   iteration over anything whose order differs between replicas. Its Result must be plain
 *   msgpack-able data (null, booleans, numbers, strings, Uint8Array, arrays, plain objects). If it
 *   throws, the host reports an error outcome but does NOT roll back: throw before mutating.
 * - `query` reads state without mutating it; it may throw CommandRejectedError for a malformed query.
 * - `snapshot` returns msgpack-able data whose encoding depends only on the state (sort what you
 *   collect from Maps by key, or keep insertion order that apply made deterministic); `restore`
 *   rebuilds an equal state, so snapshot(restore(snapshot(s))) encodes to the same bytes.
 */
export interface MachineDefinition<State, Command, Result, Query = unknown, QueryResult = unknown> {
  readonly name: string;
  init(): State;
  validate(command: unknown): Command;
  apply(state: State, command: Command, ctx: ApplyContext): Result;
  query(state: State, query: Query): QueryResult;
  snapshot(state: State): unknown;
  /**
   * Optional, for a machine whose state can grow large: captures the snapshot now and encodes it later
   * in slices (snapshot-build.ts), to exactly the bytes `snapshot` encodes to. What it captures must not
   * change as later commands apply.
   */
  captureSnapshot?(state: State): StreamedValue;
  restore(data: unknown): State;
  /**
   * Set when `apply` cannot tell a command `validate` returned from the same command encoded and
   * decoded (the log's canonical msgpack: map keys sorted, -0 as 0, byte strings as views): the
   * leader then applies the commands it proposed without decoding their entries again. Leave it
   * unset for a machine that keeps command objects in its state or depends on their key order.
   */
  readonly proposerAppliesValidated?: boolean;
}

/** Machine names: lowercase, start with a letter, at most 64 characters. */
export const MACHINE_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

export function isMachineName(name: unknown): name is string {
  return typeof name === 'string' && MACHINE_NAME_PATTERN.test(name);
}

/** Identity helper: lets TypeScript infer State, Command, Result, Query and QueryResult from the object. */
export function defineMachine<State, Command, Result, Query = unknown, QueryResult = unknown>(
  definition: MachineDefinition<State, Command, Result, Query, QueryResult>,
): MachineDefinition<State, Command, Result, Query, QueryResult> {
  return definition;
}

/** The type-erased form a host stores. */
export type AnyMachineDefinition = MachineDefinition<any, any, any, any, any>;
