// `npm run faults -- --minutes N --seed S`: a Jepsen-style fault run against real Atlas processes.
// Starts a 3-replica cluster (each replica on its own nats-server, plus a gateway), plays a seeded
// fault schedule under a concurrent client load, checks the history for linearizability and prints
// one row per fault kind. The same seed plays the same schedule. Exit code 0 when every check passed.

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UNSAFE_ACK_BEFORE_FSYNC_CONSENT, UNSAFE_ACK_BEFORE_FSYNC_ENV } from '../../infra/node/unsafe-ack-before-fsync.ts';
import { FaultCluster } from './fault-cluster.ts';
import { renderKindTable } from './report.ts';
import { runFaults } from './run-faults.ts';
import { FAULT_KINDS, planSchedule, type FaultKind } from './schedule.ts';

const USAGE = `usage: npm run faults -- [--minutes N | --cycles N] [--seed S] [--kinds k1,k2] [--order shuffled|cycle|random]
                        [--clients N] [--timeout-ms MS] [--scale X] [--table FILE]
                        [--stale-reads] [--unsafe-ack-before-fsync]
fault kinds: ${FAULT_KINDS.join(', ')}
--stale-reads and --unsafe-ack-before-fsync break the guarantees on purpose: the run must then FAIL.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '3' },
      cycles: { type: 'string' },
      seed: { type: 'string' },
      kinds: { type: 'string' },
      order: { type: 'string', default: 'shuffled' },
      clients: { type: 'string', default: '20' },
      'timeout-ms': { type: 'string', default: '3000' },
      scale: { type: 'string', default: '1' },
      table: { type: 'string' },
      'stale-reads': { type: 'boolean', default: false },
      'unsafe-ack-before-fsync': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const minutes = Number(values.minutes);
  const cycles = values.cycles === undefined ? undefined : Number(values.cycles);
  const seed = values.seed === undefined ? crypto.getRandomValues(new Uint32Array(1))[0]! : Number(values.seed);
  const kinds = (values.kinds?.split(',').map((k) => k.trim()) ?? [...FAULT_KINDS]) as FaultKind[];
  const unknownKind = kinds.find((kind) => !(FAULT_KINDS as readonly string[]).includes(kind));
  const order = values.order as 'shuffled' | 'cycle' | 'random';
  if (!(minutes > 0) || (cycles !== undefined && !(Number.isSafeInteger(cycles) && cycles > 0)) || !Number.isSafeInteger(seed) || unknownKind !== undefined || !['shuffled', 'cycle', 'random'].includes(order)) {
    console.error(unknownKind !== undefined ? `unknown fault kind ${JSON.stringify(unknownKind)}\n${USAGE}` : USAGE);
    return 2;
  }

  console.log(`atlas faults: seed ${seed} (rerun with --seed ${seed}), ${cycles !== undefined ? `${cycles} cycles` : `${minutes} min`}, kinds ${kinds.join(',')}`);
  const cluster = await FaultCluster.start({
    log: (line) => console.log(`  [cluster] ${line}`),
    ...(values['unsafe-ack-before-fsync'] ? { replicaEnv: { [UNSAFE_ACK_BEFORE_FSYNC_ENV]: UNSAFE_ACK_BEFORE_FSYNC_CONSENT } } : {}),
  });
  const stop = async () => {
    await cluster.stop();
  };
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)));
  try {
    const schedule = planSchedule({
      seed,
      lengthMs: minutes * 60_000,
      ...(cycles !== undefined ? { cycles } : {}),
      ...(values.kinds !== undefined ? { kinds } : {}),
      order,
      replicas: cluster.ids,
      scale: Number(values.scale),
    });
    const result = await runFaults({
      cluster,
      schedule,
      label: 'run',
      clients: Number(values.clients),
      timeoutMs: Number(values['timeout-ms']),
      ...(values['stale-reads'] ? { readConsistency: 'stale' as const } : {}),
      log: (line) => console.log(line),
    });
    const table = renderKindTable(result);
    const header =
      `Seed ${seed}, ${result.cycles.length} cycles in ${(result.elapsedMs / 60_000).toFixed(1)} min, ` +
      `${Number(values.clients)} clients, ${result.check.checkedOps} operations checked: ` +
      `${result.linearizable ? 'linearizable' : 'NOT linearizable'}${result.livenessError ? '; the cluster did not recover' : ''}.`;
    console.log(`\n${header}\n\n${table}\n`);
    if (values.table) writeFileSync(values.table, `${header}\n\n${table}\n`);
    if (!result.ok) console.log(`FAILED — seed ${seed}${result.artifacts ? `; artifacts: ${result.artifacts.report}` : ''}`);
    return result.ok ? 0 : 1;
  } finally {
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
