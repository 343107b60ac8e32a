/** The e2e benchmark group runs (Kafka and three node processes) and reports its keys; speed is never asserted. */
import { describe, expect, it } from 'vitest';
import { runNodeScript } from '../helpers/cli.js';

describe('benchmark group e2e', () => {
  it('reports committed events per second and latency percentiles in quick mode', { timeout: 300_000 }, () => {
    const r = runNodeScript('dist/cli/main.js', ['bench', '--json', '--quick', '--only', 'e2e'], 280_000);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['e2e_committed_events_per_s', 'e2e_latency_p50_ms', 'e2e_latency_p99_ms']) {
      expect(typeof out[key], key).toBe('number');
      expect(out[key] as number, key).toBeGreaterThan(0);
    }
  });
});
