/**
 * Where an event's time goes (consensus/stage-timings.ts, issue 19): the per-stage summaries the
 * node exports in its status and at /metrics, and the block tracker that turns arrivals, votes and
 * commits into stage durations. Clocks are injected, so every figure below is exact.
 */
import { describe, expect, it } from 'vitest';
import { BlockLatency, StageTimings } from '../../consensus/stage-timings.js';

describe('stage timings', () => {
  it('summarises count, mean, p50 and p99 per stage, over the last samples or those since a time', () => {
    let wall = 1_000;
    const t = new StageTimings(100, () => 0, () => wall);
    for (let i = 1; i <= 100; i++) t.record('fold', i);
    expect(t.summary().fold).toEqual({ count: 100, mean_ms: 50.5, p50_ms: 51, p99_ms: 100 });
    wall = 2_000;
    for (let i = 0; i < 10; i++) t.record('fold', 500); // overwrite the 10 oldest
    expect(t.summary().fold).toEqual({ count: 110, mean_ms: 99.95, p50_ms: 61, p99_ms: 500 }); // 11..100 and ten 500s
    expect(t.summary(2_000).fold).toEqual({ count: 10, mean_ms: 500, p50_ms: 500, p99_ms: 500 });
    expect(t.summary(3_000).fold).toBeUndefined();
    expect(t.summary().commit_write).toBeUndefined();
    t.record('commit_write', -1); // a clock that went backwards is not a duration
    t.record('commit_write', Number.NaN);
    expect(t.summary().commit_write).toBeUndefined();
  });

  it('writes the Prometheus text format, one summary with a label per stage', () => {
    const t = new StageTimings(10, () => 0, () => 0);
    t.record('vote_persist', 2);
    t.record('vote_persist', 4);
    expect(t.prometheus({ node: '1', channel: 'pro"perty' })).toBe(
      [
        '# HELP ledger_stage_ms Duration of a stage of the commit path in milliseconds (last samples).',
        '# TYPE ledger_stage_ms summary',
        'ledger_stage_ms{node="1",channel="pro_perty",stage="vote_persist",quantile="0.5"} 4',
        'ledger_stage_ms{node="1",channel="pro_perty",stage="vote_persist",quantile="0.99"} 4',
        'ledger_stage_ms_sum{node="1",channel="pro_perty",stage="vote_persist"} 6',
        'ledger_stage_ms_count{node="1",channel="pro_perty",stage="vote_persist"} 2',
        '',
      ].join('\n'),
    );
  });

  it('follows a block from its records to its vote and its commit', () => {
    let mono = 0;
    const t = new StageTimings(100, () => mono, () => 0);
    const b = new BlockLatency(t);
    // records 10..12 (broker times 1000..1002) arrive at wall time 1005, monotonic 100
    mono = 100;
    b.onRecords([10n, 11n, 12n].map((offset, i) => ({ offset, timestamp: 1000n + BigInt(i) })), 1005);
    mono = 150;
    b.onRecords([{ offset: 13n, timestamp: 1003n }], 1060);
    mono = 400;
    b.onVote(7n, 11n); // block 7 starts at offset 11
    b.onVote(7n, 11n); // re-sent: counted once
    mono = 460;
    b.onCommitted(7n, 11n, 1400);
    const s = t.summary();
    expect(s.kafka_to_consume).toMatchObject({ count: 4, p99_ms: 57 });
    expect(s.consume_to_vote).toEqual({ count: 1, mean_ms: 300, p50_ms: 300, p99_ms: 300 });
    expect(s.vote_to_commit).toEqual({ count: 1, mean_ms: 60, p50_ms: 60, p99_ms: 60 });
    expect(s.consume_to_commit).toEqual({ count: 1, mean_ms: 360, p50_ms: 360, p99_ms: 360 });
    expect(s.broker_to_commit).toEqual({ count: 1, mean_ms: 399, p50_ms: 399, p99_ms: 399 }); // 1400 - 1001
  });
});
