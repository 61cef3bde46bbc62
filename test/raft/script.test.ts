import { describe, expect, it } from 'vitest';
import { parseCommand, parseIdList, parseScript, renderScript } from './harness/script.ts';
import { runScript } from './interpreter.ts';

describe('golden script format', () => {
  const source = ['# comment', '> add-nodes 3', 'old output', '', '# second', '> status', 'x', 'y', ''].join('\n');

  it('splits comments, commands and outputs', () => {
    const script = parseScript(source);
    expect(script.blocks.map((b) => b.command)).toEqual(['add-nodes 3', 'status']);
    expect(script.blocks[0]!.preamble).toEqual(['# comment']);
    expect(script.blocks[0]!.output).toEqual(['old output']);
    expect(script.blocks[1]!.output).toEqual(['x', 'y']);
  });

  it('renders the same file back when outputs are unchanged', () => {
    const script = parseScript(source);
    expect(renderScript(script, script.blocks.map((b) => b.output))).toBe(source);
  });

  it('replaces outputs when rewriting', () => {
    const script = parseScript(source);
    expect(renderScript(script, [['new'], ['z']])).toBe(source.replace('old output', 'new').replace('x\ny', 'z'));
  });

  it('parses positional arguments, options and id lists', () => {
    const cmd = parseCommand('deliver-msgs 2 3 drop=(4,5) count=1');
    expect(cmd.name).toBe('deliver-msgs');
    expect(cmd.args).toEqual(['2', '3']);
    expect(cmd.options.get('drop')).toBe('(4,5)');
    expect(cmd.options.get('count')).toBe('1');
    expect(parseCommand('partition (1) (2,3)').args).toEqual(['(1)', '(2,3)']);
    expect(parseIdList('(4,5)')).toEqual(['4', '5']);
    expect(parseIdList('()')).toEqual([]);
    expect(parseIdList('7')).toEqual(['7']);
  });
});

describe('interpreter', () => {
  it('reports script mistakes as output instead of crashing the run', () => {
    const out = runScript('> frobnicate 1\n\n> campaign 9\n');
    expect(out).toContain('harness error: unknown command: frobnicate');
    expect(out).toContain('harness error: unknown node 9');
  });

  it('is deterministic: the same script yields the same output', () => {
    const script = '> add-nodes 3\n\n> campaign 2\n\n> stabilize\n\n> status\n';
    expect(runScript(script)).toBe(runScript(script));
    expect(runScript(script)).toContain('2: leader term:1');
  });
});
