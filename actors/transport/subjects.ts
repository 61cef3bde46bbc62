// Atlas's NATS subject space. Every subject starts with `atlas.<cluster>`; the tokens after it name the
// plane (raft, api, events, chat). Builders refuse names that are not subject-safe, so a malformed id can
// never widen a subscription (`*`, `>`) or split into extra tokens (`.`). Parsers return null for any
// subject outside this space.

import { API_OPS, type ApiOp, isApiOp } from '../api/ops.ts';

// The API's operations are defined once, by the API layer.
export { API_OPS, type ApiOp, isApiOp };

export const SUBJECT_ROOT = 'atlas';
export const DEFAULT_CLUSTER = 'dev';
export const DEFAULT_GROUP = 'g0';

/** Cluster names, group names, replica ids and chat names: 1–64 of [A-Za-z0-9_-]. */
export const SUBJECT_SAFE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_NAME_LENGTH = 64;


export const EVENT_KINDS = ['leader', 'commit', 'member'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export type NameRole = 'cluster' | 'group' | 'replica id' | 'channel' | 'user';

/** A name that would not be a single, literal subject token. */
export class InvalidNameError extends Error {
  override readonly name = 'InvalidNameError';
  constructor(
    readonly role: NameRole,
    readonly value: unknown,
  ) {
    super(`invalid ${role} ${JSON.stringify(value)}: expected 1-64 characters of A-Z a-z 0-9 _ -`);
  }
}

export function isSubjectSafeName(value: unknown): value is string {
  return typeof value === 'string' && SUBJECT_SAFE_NAME.test(value);
}

/** Returns `value` when it is subject-safe, throws InvalidNameError otherwise. */
export function assertSubjectSafeName(value: unknown, role: NameRole): string {
  if (!isSubjectSafeName(value)) throw new InvalidNameError(role, value);
  return value;
}

export function isEventKind(value: string): value is EventKind {
  return (EVENT_KINDS as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------------
// Builders

/** `atlas.<cluster>`: the prefix every subject of one cluster shares. */
export function clusterPrefix(cluster: string): string {
  return `${SUBJECT_ROOT}.${assertSubjectSafeName(cluster, 'cluster')}`;
}

/** Consensus messages addressed to one replica of one Raft group. */
export function raftSubject(cluster: string, group: string, replicaId: string): string {
  return `${clusterPrefix(cluster)}.raft.${assertSubjectSafeName(group, 'group')}.${assertSubjectSafeName(replicaId, 'replica id')}`;
}

/** Request/reply client API. */
export function apiSubject(cluster: string, op: ApiOp): string {
  if (!isApiOp(op)) throw new RangeError(`unknown api op ${JSON.stringify(op)}`);
  return `${clusterPrefix(cluster)}.api.${op}`;
}

export function eventSubject(cluster: string, kind: EventKind): string {
  if (!isEventKind(kind)) throw new RangeError(`unknown event kind ${JSON.stringify(kind)}`);
  return `${clusterPrefix(cluster)}.events.${kind}`;
}

export function chatChannelSubject(cluster: string, channel: string): string {
  return `${clusterPrefix(cluster)}.chat.channel.${assertSubjectSafeName(channel, 'channel')}`;
}

export function chatUserSubject(cluster: string, user: string): string {
  return `${clusterPrefix(cluster)}.chat.user.${assertSubjectSafeName(user, 'user')}`;
}

/** Wildcards for subscribers that watch a whole plane (`atlas tap`, gateways, tests). */
export const wildcards = {
  cluster: (cluster: string) => `${clusterPrefix(cluster)}.>`,
  raft: (cluster: string) => `${clusterPrefix(cluster)}.raft.>`,
  raftGroup: (cluster: string, group: string) => `${clusterPrefix(cluster)}.raft.${assertSubjectSafeName(group, 'group')}.*`,
  api: (cluster: string) => `${clusterPrefix(cluster)}.api.>`,
  events: (cluster: string) => `${clusterPrefix(cluster)}.events.*`,
  chat: (cluster: string) => `${clusterPrefix(cluster)}.chat.>`,
  all: () => `${SUBJECT_ROOT}.>`,
} as const;

// ---------------------------------------------------------------------------------------------------
// Parser

export type ParsedSubject =
  | { readonly plane: 'raft'; readonly cluster: string; readonly group: string; readonly replicaId: string }
  | { readonly plane: 'api'; readonly cluster: string; readonly op: ApiOp }
  | { readonly plane: 'events'; readonly cluster: string; readonly kind: EventKind }
  | { readonly plane: 'chat.channel'; readonly cluster: string; readonly channel: string }
  | { readonly plane: 'chat.user'; readonly cluster: string; readonly user: string };

/** Parses a concrete (wildcard-free) Atlas subject; null for anything else. */
export function parseSubject(subject: string): ParsedSubject | null {
  const tokens = subject.split('.');
  if (tokens.length < 3 || tokens[0] !== SUBJECT_ROOT) return null;
  const cluster = tokens[1]!;
  if (!isSubjectSafeName(cluster)) return null;
  const rest = tokens.slice(2);
  switch (rest[0]) {
    case 'raft': {
      const [, group, replicaId] = rest;
      if (rest.length !== 3 || !isSubjectSafeName(group) || !isSubjectSafeName(replicaId)) return null;
      return { plane: 'raft', cluster, group, replicaId };
    }
    case 'api': {
      const op = rest.slice(1).join('.');
      return rest.length >= 2 && isApiOp(op) ? { plane: 'api', cluster, op } : null;
    }
    case 'events': {
      const kind = rest[1];
      return rest.length === 2 && kind !== undefined && isEventKind(kind) ? { plane: 'events', cluster, kind } : null;
    }
    case 'chat': {
      const [, scope, name] = rest;
      if (rest.length !== 3 || !isSubjectSafeName(name)) return null;
      if (scope === 'channel') return { plane: 'chat.channel', cluster, channel: name };
      if (scope === 'user') return { plane: 'chat.user', cluster, user: name };
      return null;
    }
    default:
      return null;
  }
}
