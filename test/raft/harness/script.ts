// Golden scenario files: commands and their expected output, interleaved.
//
//   # free text (comments and blank lines are kept verbatim)
//   > command arg key=value key=(a,b)
//   expected output line
//   expected output line
//   <blank line ends the block>
//
// Output never contains blank lines, so a blank line always ends a block.

export interface Block {
  /** Comment and blank lines before the command, verbatim. */
  readonly preamble: readonly string[];
  readonly command: string;
  readonly output: readonly string[];
}

export interface ParsedScript {
  readonly blocks: readonly Block[];
  /** Comment lines after the last block. */
  readonly trailer: readonly string[];
}

export function parseScript(source: string): ParsedScript {
  const lines = source.split('\n');
  const blocks: Block[] = [];
  let preamble: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (!line.startsWith('> ')) {
      preamble.push(line);
      i++;
      continue;
    }
    const output: string[] = [];
    i++;
    while (i < lines.length && lines[i] !== '' && !lines[i]!.startsWith('> ')) output.push(lines[i++]!);
    blocks.push({ preamble, command: line.slice(2).trim(), output });
    preamble = [];
  }
  while (preamble.length > 0 && preamble[preamble.length - 1] === '') preamble.pop();
  return { blocks, trailer: preamble };
}

/** Renders blocks back into a file; `outputs[i]` replaces block i's output. */
export function renderScript(script: ParsedScript, outputs: readonly (readonly string[])[]): string {
  const out: string[] = [];
  script.blocks.forEach((b, i) => {
    out.push(...b.preamble, `> ${b.command}`, ...outputs[i]!);
    out.push('');
  });
  // Each block already ends with a blank line; a blank preamble line at the start of the next block
  // would double it, so preambles are normalised to never start with more than one blank line.
  out.push(...script.trailer);
  return collapseBlankRuns(out).join('\n').replace(/\n*$/, '\n');
}

function collapseBlankRuns(lines: string[]): string[] {
  return lines.filter((l, i) => !(l === '' && lines[i - 1] === ''));
}

/** A parsed command line: `name positional... key=value key=(a,b)`. */
export interface Command {
  readonly name: string;
  readonly args: readonly string[];
  readonly options: ReadonlyMap<string, string>;
}

export function parseCommand(line: string): Command {
  const [name = '', ...rest] = line.split(/\s+/).filter((t) => t.length > 0);
  const args: string[] = [];
  const options = new Map<string, string>();
  for (const token of rest) {
    const eq = token.indexOf('=');
    if (eq > 0 && !token.startsWith('(')) options.set(token.slice(0, eq), token.slice(eq + 1));
    else args.push(token);
  }
  return { name, args, options };
}

/** `(1,2,3)` or `1` -> ['1','2','3'] / ['1']; `()` -> []. */
export function parseIdList(token: string): string[] {
  const inner = token.startsWith('(') && token.endsWith(')') ? token.slice(1, -1) : token;
  return inner.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
