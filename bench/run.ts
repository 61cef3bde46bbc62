// `npm run bench`: Atlas side by side with etcd (HTTP) and NATS JetStream KV (NATS). Progress on
// stderr; the report goes to bench/results/latest.{json,md,svg} (or --out DIR).

import { resolve } from 'node:path';
import { runBench } from './matrix.ts';
import { BenchUsageError, parseBenchOptions, USAGE } from './options.ts';
import { createProgress } from './progress.ts';
import { writeReports } from './report-files.ts';

const DEFAULT_OUT_DIR = resolve(import.meta.dirname, 'results');

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const options = parseBenchOptions(argv, DEFAULT_OUT_DIR);
  const report = await runBench(options, { progress: createProgress(), log: (line) => process.stderr.write(`${line}\n`) });
  const paths = writeReports(report, options.outDir);
  console.log(`report: ${paths.markdown}\n        ${paths.json}\n        ${paths.svg}`);
  for (const target of report.targets) console.log(`${target.status.padEnd(4)} ${target.description}: ${target.measured}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof BenchUsageError) console.error(`bench: ${error.message}\n${USAGE}`);
    else console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = error instanceof BenchUsageError ? 2 : 1;
  },
);
