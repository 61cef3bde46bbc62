// The blank-start guard has teeth: the golden scenario testdata/blank_start.txt, run without the
// guard, elects a second leader for term 2 (the wiped node votes again in a term it voted in).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlankStart, startsBlank, BLANK_VOTE, ABSTAINED_VOTE } from '../../actors/raft/blank-start.ts';
import { runScript } from './interpreter.ts';

const scenario = readFileSync(join(import.meta.dirname, 'testdata/blank_start.txt'), 'utf8');

describe('blank start', () => {
  it('without the guard, the wiped voter votes twice in term 2 and two nodes lead it', () => {
    const unguarded = runScript(scenario.replace('blankguard=true', 'blankguard=false'));
    expect(unguarded).toContain('SAFETY VIOLATION: 1 and 3 both led term 2');
    expect(runScript(scenario)).not.toContain('SAFETY VIOLATION');
  });

  it('counts only answers carrying its own nonce, and waits for every other voter', () => {
    const blank = new BlankStart(7);
    blank.answer('r2', 6, 9); // an answer to an earlier run's probe
    expect(blank.missing(['r1', 'r2', 'r3'], 'r1')).toEqual(['r2', 'r3']);
    blank.answer('r2', 7, 4);
    blank.answer('r3', 7, 5);
    expect(blank.missing(['r1', 'r2', 'r3'], 'r1')).toEqual([]);
    expect(blank.highestTerm(['r1', 'r2', 'r3'])).toBe(5);
  });

  it('is recognised from empty storage or from an unfinished blank start, never from a real vote', () => {
    expect(startsBlank(null, 0, 0, false)).toBe(true);
    expect(startsBlank(BLANK_VOTE, 6, 40, false)).toBe(true);
    expect(startsBlank(null, 0, 0, true)).toBe(false);
    expect(startsBlank(null, 0, 3, false)).toBe(false);
    expect(startsBlank(null, 2, 0, false)).toBe(false);
    expect(startsBlank(ABSTAINED_VOTE, 2, 0, false)).toBe(false);
    expect(startsBlank('r1', 2, 0, false)).toBe(false);
  });
});
