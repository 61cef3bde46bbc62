import { describe, expect, it } from 'vitest';
import { measureFailover } from '../../bench/failover.ts';
import type { FailoverControl, LeaderView } from '../../bench/systems/types.ts';
import { createWorkload } from '../../bench/workload.ts';

/**
 * A three-member cluster in miniature: member 0 leads in term 1; after it is killed, writes through
 * the survivors are refused until `electionMs` has passed, then member 1 leads in term 2.
 */
function simulatedCluster(electionMs: number | null): FailoverControl & { killedAt: number | null } {
  const state = { killedAt: null as number | null };
  const recovered = () => state.killedAt !== null && electionMs !== null && performance.now() - state.killedAt >= electionMs;
  return {
    get killedAt() {
      return state.killedAt;
    },
    endpointCount: 3,
    leader: async (): Promise<LeaderView> => {
      if (state.killedAt === null) return { index: 0, term: 1 };
      if (recovered()) return { index: 1, term: 2 };
      throw new Error('no leader');
    },
    kill: (index) => {
      expect(index).toBe(0);
      state.killedAt = performance.now();
    },
    putVia: async (endpoint) => {
      await new Promise((r) => setTimeout(r, 2));
      if (state.killedAt === null) return;
      if (endpoint === 0) throw new Error('ECONNREFUSED');
      if (!recovered()) throw new Error('HTTP 503 no leader');
    },
  };
}

const workload = createWorkload(100, 10, 1);

describe('measureFailover', () => {
  it('measures from the kill to the first acknowledged write started after it', async () => {
    const cluster = simulatedCluster(300);
    const result = await measureFailover(cluster, workload, { clients: 4, steadySeconds: 0.2, requestTimeoutMs: 500, maxWaitMs: 5_000 });
    expect(result.failoverMs).not.toBeNull();
    expect(result.failoverMs!).toBeGreaterThanOrEqual(300);
    expect(result.failoverMs!).toBeLessThan(450);
    expect(result.killedEndpoint).toBe(0);
    expect(result.newLeaderEndpoint).toBe(1);
    expect(result.termBefore).toBe(1);
    expect(result.termAfter).toBe(2);
    expect(result.killedTheLeader).toBe(true);
    expect(result.steadyPutsPerSecond).toBeGreaterThan(100);
    expect(result.failedWrites).toBeGreaterThan(0);
    expect(result.errorSamples.some((e) => e.includes('no leader') || e.includes('ECONNREFUSED'))).toBe(true);
  });

  it('reports no recovery when no write succeeds within maxWaitMs', async () => {
    const result = await measureFailover(simulatedCluster(null), workload, { clients: 2, steadySeconds: 0.1, requestTimeoutMs: 200, maxWaitMs: 400 });
    expect(result.failoverMs).toBeNull();
    expect(result.newLeaderEndpoint).toBeNull();
  });
});
