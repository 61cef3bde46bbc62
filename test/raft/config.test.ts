import { describe, expect, it } from 'vitest';
import { applyChange, decodeConfig, encodeConfig, isMember, isVoter, members } from '../../actors/raft/config.ts';
import type { ClusterConfig } from '../../actors/raft/types.ts';

const base: ClusterConfig = { voters: ['1', '2', '3'], learners: ['4'] };

describe('applyChange', () => {
  it('adds a learner', () => {
    expect(applyChange(base, { type: 'addLearner', node: '5' })).toEqual({ voters: ['1', '2', '3'], learners: ['4', '5'] });
  });

  it('refuses to add a node that is already a member', () => {
    expect(applyChange(base, { type: 'addLearner', node: '2' })).toBeNull();
    expect(applyChange(base, { type: 'addLearner', node: '4' })).toBeNull();
  });

  it('promotes a learner to voter', () => {
    expect(applyChange(base, { type: 'promote', node: '4' })).toEqual({ voters: ['1', '2', '3', '4'], learners: [] });
  });

  it('promotes only learners', () => {
    expect(applyChange(base, { type: 'promote', node: '1' })).toBeNull();
    expect(applyChange(base, { type: 'promote', node: '9' })).toBeNull();
  });

  it('removes a voter or a learner', () => {
    expect(applyChange(base, { type: 'remove', node: '2' })).toEqual({ voters: ['1', '3'], learners: ['4'] });
    expect(applyChange(base, { type: 'remove', node: '4' })).toEqual({ voters: ['1', '2', '3'], learners: [] });
  });

  it('refuses to remove a non-member', () => {
    expect(applyChange(base, { type: 'remove', node: '9' })).toBeNull();
  });

  it('never mutates its input', () => {
    const before = JSON.stringify(base);
    applyChange(base, { type: 'promote', node: '4' });
    applyChange(base, { type: 'remove', node: '1' });
    applyChange(base, { type: 'addLearner', node: '5' });
    expect(JSON.stringify(base)).toBe(before);
  });
});

describe('membership queries', () => {
  it('tells voters from learners', () => {
    expect(isVoter(base, '1')).toBe(true);
    expect(isVoter(base, '4')).toBe(false);
    expect(isMember(base, '4')).toBe(true);
    expect(isMember(base, '9')).toBe(false);
    expect(members(base)).toEqual(['1', '2', '3', '4']);
  });
});

describe('config encoding', () => {
  it('round-trips', () => {
    expect(decodeConfig(encodeConfig(base))).toEqual(base);
    expect(decodeConfig(encodeConfig({ voters: [], learners: [] }))).toEqual({ voters: [], learners: [] });
  });

  it('treats a malformed entry as a broken invariant', () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ voters: [1, 2], learners: [] }));
    expect(() => decodeConfig(bytes)).toThrow(/invariant/);
    expect(() => decodeConfig(new TextEncoder().encode('{"voters":["1"]}'))).toThrow(/invariant/);
  });
});
