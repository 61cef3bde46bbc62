// Leader failover time: under a moderate closed-loop put load over HTTP (clients move to the next
// endpoint after a failure), plus an open-loop probe starting one put every PROBE_EVERY_MS, SIGKILL
// the leader and measure the time from the kill to the first acknowledged put that was started after
// the kill. The probe bounds the measurement's resolution even when in-flight requests hang.

import { describeError } from './load.ts';
import type { FailoverControl, LeaderView } from './systems/types.ts';
import type { Workload } from './workload.ts';
import { ClientPicker } from './workload.ts';

const PROBE_EVERY_MS = 10;
const SETTLE_AFTER_RECOVERY_MS = 250;

export interface FailoverOptions {
  readonly clients: number;
  /** Load before the kill, to reach a steady state. */
  readonly steadySeconds: number;
  /** Per-request timeout for the load and probe puts. */
  readonly requestTimeoutMs: number;
  /** Give up (and report no recovery) after this long. */
  readonly maxWaitMs: number;
}

export const DEFAULT_FAILOVER_OPTIONS: FailoverOptions = { clients: 8, steadySeconds: 1.5, requestTimeoutMs: 2_000, maxWaitMs: 20_000 };

export interface FailoverResult {
  /** Kill to the first acknowledged write started after it; null if none within maxWaitMs. */
  readonly failoverMs: number | null;
  readonly killedEndpoint: number;
  readonly termBefore: number;
  readonly newLeaderEndpoint: number | null;
  readonly termAfter: number | null;
  /**
   * False when the member killed was not leading any more (leadership moved between the lookup and
   * the kill): the measured time is then not a failover time.
   */
  readonly killedTheLeader: boolean;
  /** Acknowledged puts per second before the kill (shows the load was running). */
  readonly steadyPutsPerSecond: number;
  readonly failedWrites: number;
  readonly errorSamples: readonly string[];
}

export async function measureFailover(control: FailoverControl, workload: Workload, opts: FailoverOptions = DEFAULT_FAILOVER_OPTIONS): Promise<FailoverResult> {
  let running = true;
  let killedAt = Infinity;
  let firstAckAfterKill: number | null = null;
  let steadyAcks = 0;
  let failedWrites = 0;
  const errorSamples = new Set<string>();
  let recovered: () => void = () => {};
  const recovery = new Promise<void>((resolve) => {
    recovered = resolve;
  });

  const attempt = async (endpoint: number, picker: ClientPicker): Promise<boolean> => {
    const startedAt = performance.now();
    try {
      await control.putVia(endpoint, picker.key(), picker.value(), opts.requestTimeoutMs);
    } catch (error) {
      failedWrites++;
      if (errorSamples.size < 5) errorSamples.add(describeError(error));
      return false;
    }
    const ackedAt = performance.now();
    if (startedAt < killedAt) {
      steadyAcks++;
    } else if (firstAckAfterKill === null || ackedAt < firstAckAfterKill) {
      firstAckAfterKill = ackedAt;
      recovered();
    }
    return true;
  };

  const client = async (index: number) => {
    const picker = new ClientPicker(workload, 1_000 + index);
    let endpoint = index % control.endpointCount;
    while (running) {
      if (!(await attempt(endpoint, picker))) {
        endpoint = (endpoint + 1) % control.endpointCount;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  const loadDone = Promise.all(Array.from({ length: opts.clients }, (_, i) => client(i)));
  await new Promise((r) => setTimeout(r, opts.steadySeconds * 1000));
  const steadyPutsPerSecond = Math.round(steadyAcks / opts.steadySeconds);

  const probePicker = new ClientPicker(workload, 999);
  let probeEndpoint = 0;
  const probes: Promise<boolean>[] = [];
  const before = await control.leader();
  killedAt = performance.now();
  control.kill(before.index);
  const probeTimer = setInterval(() => {
    probes.push(attempt(probeEndpoint, probePicker));
    probeEndpoint = (probeEndpoint + 1) % control.endpointCount;
  }, PROBE_EVERY_MS);
  let giveUpTimer: ReturnType<typeof setTimeout> | undefined;
  const giveUp = new Promise<void>((resolve) => {
    giveUpTimer = setTimeout(resolve, opts.maxWaitMs);
  });
  await Promise.race([recovery, giveUp]);
  clearTimeout(giveUpTimer);
  clearInterval(probeTimer);
  running = false;
  // Requests still hanging on the killed member end by their own timeout; no need to wait for them.
  await Promise.race([Promise.all([loadDone, ...probes]), new Promise((r) => setTimeout(r, SETTLE_AFTER_RECOVERY_MS))]);
  const failoverMs = firstAckAfterKill === null ? null : Math.round(firstAckAfterKill - killedAt);
  let after: LeaderView | null = null;
  try {
    after = await control.leader();
  } catch {
    // reported as unknown
  }
  return {
    failoverMs,
    killedEndpoint: before.index,
    termBefore: before.term,
    newLeaderEndpoint: after?.index ?? null,
    termAfter: after?.term ?? null,
    killedTheLeader: after === null || (after.index !== before.index && after.term > before.term),
    steadyPutsPerSecond,
    failedWrites,
    errorSamples: [...errorSamples],
  };
}
