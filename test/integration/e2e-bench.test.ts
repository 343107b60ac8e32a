/** The e2e benchmark group runs (Kafka, three node processes, a load generator process) and reports its keys; speed is never asserted. */
import { describe, expect, it } from 'vitest';
import { runNodeScript } from '../helpers/cli.js';

describe('benchmark group e2e', () => {
  it('reports committed events per second and latency percentiles in quick mode', { timeout: 300_000 }, () => {
    const r = runNodeScript('dist/cli/main.js', ['bench', '--json', '--quick', '--only', 'e2e'], 280_000);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['e2e_committed_events_per_s', 'e2e_latency_p50_ms', 'e2e_latency_p99_ms', 'e2e_p99_ms_at_1000', 'node_cpu_us_per_event']) {
      expect(typeof out[key], key).toBe('number');
      expect(out[key] as number, key).toBeGreaterThan(0);
    }
    // latency against load: each offered rate with its committed rate, percentiles and the generator's CPU
    const load = out.e2e_load as Record<string, Record<string, number>>;
    expect(Object.keys(load).sort(), 'offered rates').toEqual(['1000', '2000', '250', '500']);
    for (const [rate, f] of Object.entries(load)) {
      expect(f.offered_events_per_s, rate).toBe(Number(rate));
      for (const key of ['committed_events_per_s', 'p50_ms', 'p99_ms']) expect(f[key], `${rate}: ${key}`).toBeGreaterThan(0);
      expect(f.p99_ms, `${rate}: p99 at least p50`).toBeGreaterThanOrEqual(f.p50_ms!);
      expect(typeof f.load_generator_cpu_percent, `${rate}: generator CPU`).toBe('number');
    }
    expect(out.e2e_p99_ms_at_1000, 'the goal figure is the 1,000/s phase').toBe(load['1000']!.p99_ms);
    expect(Object.keys(out.latency_breakdown as object), 'node 1 stages').toContain('vote_to_commit');
  });
});
