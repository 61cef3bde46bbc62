// Runs every golden scenario in testdata/: each `> command` is executed and its output compared with
// the lines that follow it. `UPDATE_GOLDEN=1` rewrites the files with the actual output instead;
// every rewritten output must be reviewed by hand before it is kept.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScript } from './interpreter.ts';

const dir = join(import.meta.dirname, 'testdata');
const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
const update = process.env.UPDATE_GOLDEN === '1';

describe('raft scenarios', () => {
  it('has scenarios', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(file, () => {
      const path = join(dir, file);
      const expected = readFileSync(path, 'utf8');
      const actual = runScript(expected);
      if (update) writeFileSync(path, actual);
      else expect(actual).toBe(expected);
    });
  }
});
