import { describe, expect, it } from 'vitest';
import {
  API_OPS,
  DEFAULT_GROUP,
  EVENT_KINDS,
  InvalidNameError,
  apiSubject,
  chatChannelSubject,
  chatUserSubject,
  eventSubject,
  isSubjectSafeName,
  parseSubject,
  raftSubject,
  wildcards,
} from '../../actors/transport/subjects.ts';
import type { ApiOp } from '../../actors/transport/subjects.ts';

describe('subject-safe names', () => {
  it.each(['r1', 'dev', 'g0', 'A-b_9', 'x'.repeat(64)])('accepts %s', (name) => {
    expect(isSubjectSafeName(name)).toBe(true);
  });
  it.each(['', 'x'.repeat(65), 'a.b', 'a*', '>', 'a b', 'é', 'a\n', 'a/b'])('rejects %j', (name) => {
    expect(isSubjectSafeName(name)).toBe(false);
  });
  it('rejects non-strings', () => {
    expect(isSubjectSafeName(1)).toBe(false);
    expect(isSubjectSafeName(null)).toBe(false);
  });
});

describe('subject builders', () => {
  it('builds the contract subjects', () => {
    expect(raftSubject('dev', DEFAULT_GROUP, 'r1')).toBe('atlas.dev.raft.g0.r1');
    expect(apiSubject('dev', 'kv.put')).toBe('atlas.dev.api.kv.put');
    expect(apiSubject('prod', 'watch.history')).toBe('atlas.prod.api.watch.history');
    expect(eventSubject('dev', 'leader')).toBe('atlas.dev.events.leader');
    expect(chatChannelSubject('dev', 'general')).toBe('atlas.dev.chat.channel.general');
    expect(chatUserSubject('dev', 'alice')).toBe('atlas.dev.chat.user.alice');
    expect(wildcards.raftGroup('dev', 'g0')).toBe('atlas.dev.raft.g0.*');
    expect(wildcards.cluster('dev')).toBe('atlas.dev.>');
  });

  it('refuses names that would widen or split a subject', () => {
    expect(() => raftSubject('dev', 'g0', 'r1.x')).toThrow(InvalidNameError);
    expect(() => raftSubject('dev', 'g0', '*')).toThrow(/replica id/);
    expect(() => raftSubject('d>v', 'g0', 'r1')).toThrow(/cluster/);
    expect(() => chatChannelSubject('dev', '')).toThrow(/channel/);
    expect(() => chatUserSubject('dev', 'a b')).toThrow(/user/);
    expect(() => apiSubject('dev', 'kv.drop' as ApiOp)).toThrow(RangeError);
  });
});

describe('parseSubject', () => {
  it('inverts every builder', () => {
    expect(parseSubject(raftSubject('dev', 'g0', 'r-2'))).toEqual({ plane: 'raft', cluster: 'dev', group: 'g0', replicaId: 'r-2' });
    for (const op of API_OPS) expect(parseSubject(apiSubject('c1', op))).toEqual({ plane: 'api', cluster: 'c1', op });
    for (const kind of EVENT_KINDS) expect(parseSubject(eventSubject('c1', kind))).toEqual({ plane: 'events', cluster: 'c1', kind });
    expect(parseSubject(chatChannelSubject('dev', 'general'))).toEqual({ plane: 'chat.channel', cluster: 'dev', channel: 'general' });
    expect(parseSubject(chatUserSubject('dev', 'bob'))).toEqual({ plane: 'chat.user', cluster: 'dev', user: 'bob' });
  });

  it.each([
    'atlas',
    'atlas.dev',
    'other.dev.raft.g0.r1',
    'atlas.dev.raft.g0',
    'atlas.dev.raft.g0.r1.extra',
    'atlas.dev.raft.g0.*',
    'atlas.*.api.kv.put',
    'atlas.dev.api.kv',
    'atlas.dev.api.kv.put.x',
    'atlas.dev.events.vote',
    'atlas.dev.chat.room.x',
    'atlas.dev.chat.channel',
    'atlas.dev.unknown.x',
  ])('returns null for %s', (subject) => {
    expect(parseSubject(subject)).toBeNull();
  });
});
