// Flag parsing for the CLI: `--name value`, `--name=value` and bare `--flag`, each flag with an
// environment variable fallback (CONTRACT §2: every flag also has an ATLAS_* variable).

export interface ParsedArgs {
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) {
      flags.set(arg.slice(2), argv[++i]!);
    } else {
      flags.set(arg.slice(2), true);
    }
  }
  return { positional, flags };
}

/** `--name`, else the environment variable, else the default. */
export function flag(args: ParsedArgs, name: string, envName: string, fallback?: string): string | undefined {
  const v = args.flags.get(name);
  if (typeof v === 'string') return v;
  const env = process.env[envName];
  if (env !== undefined && env !== '') return env;
  return fallback;
}

export function intFlag(args: ParsedArgs, name: string, envName: string, fallback?: number): number | undefined {
  const raw = flag(args, name, envName);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}
