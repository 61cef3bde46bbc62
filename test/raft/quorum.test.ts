import { describe, expect, it } from 'vitest';
import { committedValue, quorumSize, tallyVotes } from '../../actors/raft/quorum.ts';

describe('quorumSize', () => {
  it('is a strict majority', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(quorumSize)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });
});

describe('committedValue', () => {
  const of = (values: Record<string, number>) => (id: string) => values[id] ?? 0;

  it('is the highest value a majority has reached', () => {
    expect(committedValue(['1', '2', '3'], of({ 1: 5, 2: 3, 3: 9 }))).toBe(5);
    expect(committedValue(['1', '2', '3', '4'], of({ 1: 5, 2: 3, 3: 9, 4: 4 }))).toBe(4);
    expect(committedValue(['1', '2', '3', '4', '5'], of({ 1: 7, 2: 7, 3: 2, 4: 1, 5: 0 }))).toBe(2);
  });

  it('counts only the voters it is given', () => {
    expect(committedValue(['1'], of({ 1: 4, 2: 100 }))).toBe(4);
  });

  it('is 0 without voters', () => {
    expect(committedValue([], of({}))).toBe(0);
  });
});

describe('tallyVotes', () => {
  const votes = (entries: [string, boolean][]) => new Map(entries);
  const voters = ['1', '2', '3', '4', '5'];

  it('wins with a majority of grants', () => {
    expect(tallyVotes(voters, votes([['1', true], ['2', true], ['3', true]]))).toBe('won');
  });

  it('loses once a majority can no longer be reached', () => {
    expect(tallyVotes(voters, votes([['1', true], ['2', false], ['3', false]]))).toBe('pending');
    expect(tallyVotes(voters, votes([['1', true], ['2', false], ['3', false], ['4', false]]))).toBe('lost');
  });

  it('stays pending while the outcome is open', () => {
    expect(tallyVotes(voters, votes([['1', true], ['2', true]]))).toBe('pending');
    expect(tallyVotes(['1', '2'], votes([['1', true], ['2', false]]))).toBe('lost');
  });

  it('ignores answers from non-voters', () => {
    expect(tallyVotes(['1', '2', '3'], votes([['1', true], ['9', true], ['8', true]]))).toBe('pending');
  });

  it('a single voter wins on its own vote', () => {
    expect(tallyVotes(['1'], votes([['1', true]]))).toBe('won');
  });
});
