// Turns untrusted input into KvCommand / KvQuery values. Pure; throws CommandRejectedError
// (bad_request for malformed input, too_large for oversized values). Unknown fields are refused so a
// misspelt condition never turns into an unconditional write. Values are returned as given (views
// are copied when stored).

import { isNonNegativeSafeInteger, isPlainObject } from '../codec.ts';
import { CommandRejectedCode, CommandRejectedError, badRequest } from '../errors.ts';
import type {
  DeleteCommand,
  ExpireCommand,
  ExpireTarget,
  KvCommand,
  KvQuery,
  PutCommand,
  TxnCommand,
  TxnCompare,
  TxnOp,
} from './commands.ts';
import { keyProblem } from './keys.ts';
import type { KvLimits } from './limits.ts';

export const MAX_LIST_LIMIT = 1000;
export const DEFAULT_LIST_LIMIT = 100;

export function validateKvCommand(input: unknown, limits: KvLimits): KvCommand {
  const command = record(input, 'command');
  switch (command.type) {
    case 'put':
      return validatePut(command, limits);
    case 'delete':
      return validateDelete(command);
    case 'txn':
      return validateTxn(command, limits);
    case 'expire':
      return validateExpire(command, limits);
    default:
      throw badRequest('command type must be one of put, delete, txn, expire');
  }
}

function validatePut(command: Record<string, unknown>, limits: KvLimits): PutCommand {
  onlyFields(command, ['type', 'key', 'value', 'ifRevision', 'ifAbsent', 'ttlSeconds'], 'put');
  const key = validKey(command.key);
  const value = validValue(command.value, limits);
  const ifRevision = optionalRevision(command.ifRevision, 'ifRevision');
  if (command.ifAbsent !== undefined && typeof command.ifAbsent !== 'boolean') throw badRequest('ifAbsent must be a boolean');
  const ifAbsent = command.ifAbsent === true;
  if (ifAbsent && ifRevision !== undefined) throw badRequest('ifRevision and ifAbsent cannot be combined');
  let ttlSeconds: number | undefined;
  if (command.ttlSeconds !== undefined) {
    const ttl = command.ttlSeconds;
    if (!isNonNegativeSafeInteger(ttl) || ttl < 1 || ttl > limits.maxTtlSeconds) {
      throw badRequest(`ttlSeconds must be an integer from 1 to ${limits.maxTtlSeconds}`);
    }
    ttlSeconds = ttl;
  }
  const put: { type: 'put'; key: string; value: Uint8Array; ifRevision?: number; ifAbsent?: true; ttlSeconds?: number } = { type: 'put', key, value };
  if (ifRevision !== undefined) put.ifRevision = ifRevision;
  if (ifAbsent) put.ifAbsent = true;
  if (ttlSeconds !== undefined) put.ttlSeconds = ttlSeconds;
  return put;
}

function validateDelete(command: Record<string, unknown>): DeleteCommand {
  onlyFields(command, ['type', 'key', 'ifRevision'], 'delete');
  const key = validKey(command.key);
  const ifRevision = optionalRevision(command.ifRevision, 'ifRevision');
  return ifRevision === undefined ? { type: 'delete', key } : { type: 'delete', key, ifRevision };
}

function validateTxn(command: Record<string, unknown>, limits: KvLimits): TxnCommand {
  onlyFields(command, ['type', 'compare', 'success', 'failure'], 'txn');
  const budget = { bytes: 0 };
  const compare = list(command.compare, 'compare', limits.maxTxnOps).map((c, i) => validCompare(c, i, limits, budget));
  const success = validBranch(command.success, 'success', limits, budget);
  const failure = validBranch(command.failure, 'failure', limits, budget);
  if (budget.bytes > limits.maxTxnBytes) {
    throw new CommandRejectedError(
      CommandRejectedCode.TooLarge,
      `transaction values total ${budget.bytes} bytes; the limit is ${limits.maxTxnBytes}`,
    );
  }
  return { type: 'txn', compare, success, failure };
}

function validCompare(input: unknown, i: number, limits: KvLimits, budget: { bytes: number }): TxnCompare {
  const compare = record(input, `compare[${i}]`);
  const key = validKey(compare.key);
  const kinds = ['revision', 'exists', 'value'].filter((field) => field in compare);
  if (kinds.length !== 1) throw badRequest(`compare[${i}] needs exactly one of revision, exists, value`);
  onlyFields(compare, ['key', kinds[0]!], `compare[${i}]`);
  if (compare.revision !== undefined) {
    if (!isNonNegativeSafeInteger(compare.revision)) throw badRequest(`compare[${i}].revision must be a non-negative integer`);
    return { key, revision: compare.revision };
  }
  if (compare.exists !== undefined) {
    if (typeof compare.exists !== 'boolean') throw badRequest(`compare[${i}].exists must be a boolean`);
    return { key, exists: compare.exists };
  }
  const value = validValue(compare.value, limits);
  budget.bytes += value.byteLength;
  return { key, value };
}

function validBranch(input: unknown, name: string, limits: KvLimits, budget: { bytes: number }): TxnOp[] {
  const written = new Set<string>();
  return list(input, name, limits.maxTxnOps).map((item, i) => {
    const where = `${name}[${i}]`;
    const op = record(item, where);
    const key = validKey(op.key);
    if (op.op === 'get') {
      onlyFields(op, ['op', 'key'], where);
      return { op: 'get', key };
    }
    if (op.op !== 'put' && op.op !== 'delete') throw badRequest(`${where}.op must be put, delete or get`);
    if (written.has(key)) throw badRequest(`${name} writes key ${JSON.stringify(key)} more than once`);
    written.add(key);
    if (op.op === 'delete') {
      onlyFields(op, ['op', 'key'], where);
      return { op: 'delete', key };
    }
    onlyFields(op, ['op', 'key', 'value'], where);
    const value = validValue(op.value, limits);
    budget.bytes += value.byteLength;
    return { op: 'put', key, value };
  });
}

function validateExpire(command: Record<string, unknown>, limits: KvLimits): ExpireCommand {
  onlyFields(command, ['type', 'keys'], 'expire');
  const keys = list(command.keys, 'keys', limits.maxExpireKeys).map((item, i): ExpireTarget => {
    const target = record(item, `keys[${i}]`);
    onlyFields(target, ['key', 'modRevision'], `keys[${i}]`);
    const key = validKey(target.key);
    if (!isNonNegativeSafeInteger(target.modRevision) || target.modRevision < 1) {
      throw badRequest(`keys[${i}].modRevision must be a positive integer`);
    }
    return { key, modRevision: target.modRevision };
  });
  return { type: 'expire', keys };
}

export function validateKvQuery(input: unknown): KvQuery {
  const query = record(input, 'query');
  switch (query.type) {
    case 'get':
    case 'tombstone':
      onlyFields(query, ['type', 'key'], query.type);
      return { type: query.type, key: validKey(query.key) };
    case 'revision':
      onlyFields(query, ['type'], 'revision');
      return { type: 'revision' };
    case 'list': {
      onlyFields(query, ['type', 'prefix', 'after', 'limit'], 'list');
      if (query.prefix !== undefined && typeof query.prefix !== 'string') throw badRequest('prefix must be a string');
      if (query.after !== undefined && typeof query.after !== 'string') throw badRequest('after must be a string');
      return {
        type: 'list',
        prefix: query.prefix ?? '',
        ...(query.after !== undefined && query.after !== '' ? { after: query.after } : {}),
        limit: validLimit(query.limit),
      };
    }
    case 'expired':
      onlyFields(query, ['type', 'nowMs', 'limit'], 'expired');
      if (!isNonNegativeSafeInteger(query.nowMs)) throw badRequest('nowMs must be a non-negative integer');
      return { type: 'expired', nowMs: query.nowMs, limit: validLimit(query.limit) };
    default:
      throw badRequest('query type must be one of get, list, revision, expired, tombstone');
  }
}

function validLimit(limit: unknown): number {
  if (limit === undefined) return DEFAULT_LIST_LIMIT;
  if (!isNonNegativeSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw badRequest(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  }
  return limit;
}

function validKey(key: unknown): string {
  const problem = keyProblem(key);
  if (problem) throw badRequest(problem);
  return key as string;
}

function validValue(value: unknown, limits: KvLimits): Uint8Array {
  if (!(value instanceof Uint8Array)) throw badRequest('value must be bytes');
  if (value.byteLength > limits.maxValueBytes) {
    throw new CommandRejectedError(
      CommandRejectedCode.TooLarge,
      `value is ${value.byteLength} bytes; the limit is ${limits.maxValueBytes}`,
    );
  }
  return value;
}

function optionalRevision(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!isNonNegativeSafeInteger(value)) throw badRequest(`${name} must be a non-negative integer`);
  return value;
}

/**
 * The object without null or undefined fields (an absent optional field may be sent as null): the
 * object itself when it has none, else a copy without them. Callers only read fields.
 */
function record(value: unknown, what: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw badRequest(`${what} must be an object`);
  for (const field in value) {
    if (!Object.hasOwn(value, field)) continue;
    const fieldValue = value[field];
    if (fieldValue === null || fieldValue === undefined) return withoutAbsentFields(value);
  }
  return value;
}

function withoutAbsentFields(value: Record<string, unknown>): Record<string, unknown> {
  const present: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [field, fieldValue] of Object.entries(value)) {
    if (fieldValue !== null && fieldValue !== undefined) present[field] = fieldValue;
  }
  return present;
}

function list(value: unknown, what: string, max: number): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw badRequest(`${what} must be an array`);
  if (value.length > max) throw badRequest(`${what} has ${value.length} items; at most ${max} are allowed`);
  return value;
}

function onlyFields(value: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const field in value) {
    if (Object.hasOwn(value, field) && !allowed.includes(field)) throw badRequest(`${what} has unknown field ${JSON.stringify(field)}`);
  }
}
