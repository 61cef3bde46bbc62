// The bytes of a Command log entry: which machine, the command, the client's idempotency key and the
// proposing leader's clock. Layout (msgpack map, canonical key order):
//   { v: 1, machine: string, logTimeMs: uint, idempotencyKey?: string, command: bin }
// `command` is itself canonical msgpack, kept as bytes so a retry can be compared with the first
// attempt without re-encoding it.

import { badRequest } from './errors.ts';
import type { CommandRejectedCode } from './errors.ts';
import {
  decodeUntrusted,
  encodeCanonical,
  isNonNegativeSafeInteger,
  isPlainObject,
  isWellFormedUtf16,
  plainDataProblem,
  utf8ByteLength,
} from './codec.ts';
import { isMachineName } from './types.ts';
import { PlainEncoder } from '../codec/plain-msgpack.ts';
import { envelopeCommandOffset, writeEnvelopeBytes } from './envelope-bytes.ts';

export const ENVELOPE_VERSION = 1;
/** Idempotency keys are 1–256 bytes of UTF-8. */
export const MAX_IDEMPOTENCY_KEY_BYTES = 256;

export interface CommandEnvelope {
  readonly machine: string;
  readonly command: unknown;
  readonly idempotencyKey?: string;
  /** The proposing leader's wall clock at proposal time, in ms since the epoch. */
  readonly logTimeMs: number;
}

export interface DecodedEnvelope extends CommandEnvelope {
  /** The canonical encoding of `command`, as stored in the entry. */
  readonly commandBytes: Uint8Array;
}

export type DecodeCommandResult =
  | { readonly ok: true; readonly envelope: DecodedEnvelope }
  | { readonly ok: false; readonly error: { readonly code: CommandRejectedCode; readonly message: string } };

/** Returns null when `key` is acceptable, else why not. */
export function idempotencyKeyProblem(key: unknown): string | null {
  if (typeof key !== 'string') return 'idempotency key must be a string';
  const bytes = utf8ByteLength(key);
  if (bytes < 1 || bytes > MAX_IDEMPOTENCY_KEY_BYTES) {
    return `idempotency key must be 1-${MAX_IDEMPOTENCY_KEY_BYTES} bytes of UTF-8`;
  }
  if (!isWellFormedUtf16(key)) return 'idempotency key is not valid UTF-8';
  return null;
}

/**
 * Encodes a command for the log. Throws CommandRejectedError (bad_request) for a bad machine name,
 * idempotency key, time or a command that is not plain data. Validate the command with its machine first.
 */
export function encodeCommand(envelope: CommandEnvelope): Uint8Array {
  return encodeEnvelope(envelope).bytes;
}

/**
 * encodeCommand's bytes, with the envelope those bytes decode to built from `envelope` itself: its
 * command object as given (for machines whose apply cannot tell, see `proposerAppliesValidated`) and
 * `commandBytes` as a view into the bytes, exactly where decoding would find them.
 */
export function encodeCommandDecoded(envelope: CommandEnvelope): { readonly bytes: Uint8Array; readonly decoded: DecodedEnvelope } {
  const { bytes, commandLength } = encodeEnvelope(envelope);
  const start = envelopeCommandOffset(commandLength);
  const commandBytes = bytes.subarray(start, start + commandLength);
  const { machine, logTimeMs, idempotencyKey, command } = envelope;
  const decoded: DecodedEnvelope =
    idempotencyKey !== undefined ? { machine, logTimeMs, idempotencyKey, command, commandBytes } : { machine, logTimeMs, command, commandBytes };
  return { bytes, decoded };
}

function encodeEnvelope(envelope: CommandEnvelope): { readonly bytes: Uint8Array; readonly commandLength: number } {
  assertPlainCommand(envelope.command);
  // The command's bytes are copied straight into the envelope: one allocation for the entry.
  const command = commandScratch.encodeView(envelope.command) ?? encodeCanonical(envelope.command);
  return { bytes: encodeEncodedCommand(envelope.machine, envelope.logTimeMs, envelope.idempotencyKey, command), commandLength: command.byteLength };
}

/** Encodes commands for encodeCommand (not the envelope's encoder: the view must outlive its call). */
const commandScratch = new PlainEncoder({ sortKeys: true, ignoreUndefined: true });

/** A command's canonical bytes, as an envelope carries them. Throws CommandRejectedError if it is not plain data. */
export function encodeCommandBytes(command: unknown): Uint8Array {
  assertPlainCommand(command);
  return encodeCanonical(command);
}

/** Throws CommandRejectedError (bad_request) unless `command` is plain data. */
function assertPlainCommand(command: unknown): void {
  const problem = plainDataProblem(command);
  if (problem) throw badRequest(`command is not plain data: ${problem}`);
}

/**
 * Encodes an envelope around a command already encoded by `encodeCommandBytes` (a follower encodes
 * the commands it forwards; the leader adds its clock). Throws CommandRejectedError (bad_request) for
 * a bad machine name, idempotency key or time.
 */
export function encodeEncodedCommand(machine: string, logTimeMs: number, idempotencyKey: string | undefined, command: Uint8Array): Uint8Array {
  if (!isMachineName(machine)) throw badRequest(`invalid machine name ${JSON.stringify(machine)}`);
  if (!isNonNegativeSafeInteger(logTimeMs)) throw badRequest('logTimeMs must be a non-negative integer');
  if (idempotencyKey !== undefined) {
    const problem = idempotencyKeyProblem(idempotencyKey);
    if (problem) throw badRequest(problem);
  }
  return writeEnvelopeBytes(ENVELOPE_VERSION, machine, logTimeMs, idempotencyKey, command);
}

/** Decodes an entry's bytes. Never throws: any input gives either an envelope or a bad_request error. */
export function decodeCommand(bytes: Uint8Array): DecodeCommandResult {
  try {
    return decodeOrExplain(bytes);
  } catch {
    return reject('command envelope is not valid msgpack');
  }
}

function decodeOrExplain(bytes: Uint8Array): DecodeCommandResult {
  if (!(bytes instanceof Uint8Array)) return reject('command envelope must be bytes');
  const outer = decodeUntrusted(bytes);
  if (!isPlainObject(outer)) return reject('command envelope must be a map');
  if (outer.v !== ENVELOPE_VERSION) return reject('unsupported command envelope version');
  const { machine, logTimeMs, idempotencyKey, command } = outer;
  if (!isMachineName(machine)) return reject('command envelope has an invalid machine name');
  if (!isNonNegativeSafeInteger(logTimeMs)) return reject('command envelope has an invalid logTimeMs');
  if (idempotencyKey !== undefined && idempotencyKey !== null) {
    const problem = idempotencyKeyProblem(idempotencyKey);
    if (problem) return reject(`command envelope: ${problem}`);
  }
  if (!(command instanceof Uint8Array)) return reject('command envelope has no command bytes');
  let decoded: unknown;
  try {
    decoded = decodeUntrusted(command);
  } catch {
    return reject('command is not valid msgpack');
  }
  const problem = plainDataProblem(decoded);
  if (problem) return reject(`command is not plain data: ${problem}`);
  const envelope: DecodedEnvelope =
    typeof idempotencyKey === 'string'
      ? { machine, logTimeMs, idempotencyKey, command: decoded, commandBytes: command }
      : { machine, logTimeMs, command: decoded, commandBytes: command };
  return { ok: true, envelope };
}

function reject(message: string): DecodeCommandResult {
  return { ok: false, error: { code: 'bad_request', message } };
}
