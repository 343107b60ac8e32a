/**
 * `ledger kafka start --brokers 3` (issue 26): a local three-broker KRaft cluster from the same
 * Maven-resolved jars, a folder and port pair per broker, status per broker, channel topics created
 * in production mode (replication 3, min.insync.replicas 2, unclean election off) and checked, and
 * KAFKA_BROKERS pointing at that cluster working like any real cluster. Everything is stopped
 * afterwards, also on failure.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { brokerProcessesIn } from '../../kafka/provision.js';
import { stopKafkaCluster } from '../../kafka/cluster.js';
import { runCli } from '../helpers/cli.js';
import { isLiveProcess, scratchDir, uniqueChannel, waitFor } from '../helpers/kafka.js';

const dir = scratchDir('cluster3');
// the local folder, never a cluster the environment names
const env = { ...process.env, KAFKA_BROKERS: '' };

afterAll(async () => {
  await stopKafkaCluster({ dir, graceMs: 10_000 });
});

function json<T>(args: string[], extraEnv: NodeJS.ProcessEnv = env): T {
  const r = runCli(['kafka', ...args, '--json'], extraEnv, 240_000);
  if (r.status !== 0) throw new Error(`ledger kafka ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

describe('ledger kafka start --brokers 3', () => {
  it('runs three brokers, creates production channels on them and checks the invariants', { timeout: 300_000 }, async () => {
    const started = json<{ brokers: string[]; members: Array<{ id: number; port: number; controllerPort: number; pid: number }> }>(['start', '--brokers', '3', '--dir', dir]);
    expect(started.members.map((m) => m.id)).toEqual([1, 2, 3]);
    const ports = started.members.flatMap((m) => [m.port, m.controllerPort]);
    expect(new Set(ports).size, 'a port pair per broker').toBe(6);
    expect(brokerProcessesIn(dir).sort()).toEqual(started.members.map((m) => m.pid).sort());

    const status = json<{ ready: boolean; liveBrokers: number; members: Array<{ id: number; running: boolean }> }>(['status', '--dir', dir]);
    expect(status.ready).toBe(true);
    expect(status.liveBrokers).toBe(3);
    expect(status.members.every((m) => m.running)).toBe(true);

    // on a local cluster the default mode is production
    const channel = uniqueChannel('prod');
    const created = json<{ check: { replicationFactor: number; minInsyncReplicas: number; uncleanLeaderElection: boolean; mode: string; violations: string[] } }>(['create-channel', channel, '--dir', dir]);
    expect(created.check).toMatchObject({ mode: 'production', replicationFactor: 3, minInsyncReplicas: 2, uncleanLeaderElection: false, violations: [] });
    const checked = json<{ mode: string; violations: string[] }>(['check-channel', channel, '--dir', dir]);
    expect(checked).toMatchObject({ mode: 'production', violations: [] });

    // KAFKA_BROKERS pointing at the cluster works as for any real cluster
    const external = { ...process.env, KAFKA_BROKERS: started.brokers.join(',') };
    const viaEnv = json<{ external: boolean; liveBrokers: number; ready: boolean }>(['status'], external);
    expect(viaEnv).toMatchObject({ external: true, ready: true, liveBrokers: 3 });
    expect(json<{ mode: string; violations: string[] }>(['check-channel', channel], external)).toMatchObject({ mode: 'production', violations: [] });

    // a broker down: status says which, and exits 1
    process.kill(-started.members[1]!.pid, 'SIGKILL');
    await waitFor(() => !isLiveProcess(started.members[1]!.pid), { what: 'broker 2 gone', timeoutMs: 30_000 });
    const down = runCli(['kafka', 'status', '--dir', dir, '--json'], env);
    expect(down.status).toBe(1);
    const downStatus = JSON.parse(down.stdout) as { ready: boolean; members: Array<{ id: number; running: boolean }> };
    expect(downStatus.ready).toBe(false);
    expect(downStatus.members.find((m) => m.id === 2)!.running).toBe(false);

    // start again restarts only the missing broker
    const again = json<{ members: Array<{ id: number; reused: boolean }> }>(['start', '--dir', dir]);
    expect(again.members.map((m) => m.reused)).toEqual([true, false, true]);

    const stopped = json<{ stopped: Array<{ id: number }> }>(['stop', '--dir', dir]);
    expect(stopped.stopped.map((s) => s.id).sort()).toEqual([1, 2, 3]);
    expect(brokerProcessesIn(dir)).toEqual([]);
  });
});
