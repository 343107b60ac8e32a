import { describe, expect, it } from 'vitest';
import { buildTesseraBench } from '../../bench/tessera-posix.js';
import { runNodeScript } from '../helpers/cli.js';
import { REPLAY_HEAP_FLAG } from '../../cli/replay-heap.js';

describe('benchmark harness', () => {
  it('prints one JSON object with schema, machine, quick and the crypto figures (never checks speed)', () => {
    const r = runNodeScript('dist/cli/main.js', ['bench', '--json', '--quick', '--only', 'crypto']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out.schema).toBe(1);
    expect(out.quick).toBe(true);
    // the bench ran itself again with the replay heap's flag (cli/replay-heap.ts), and says so
    expect(out.machine).toEqual({ cpu: expect.any(String), cores: expect.any(Number), node: process.version, nodeOptions: expect.arrayContaining([REPLAY_HEAP_FLAG]) });
    for (const key of ['ed25519_sign_node_per_s', 'ed25519_verify_node_per_s', 'ed25519_verify_noble_per_s', 'sha256_64b_per_s']) {
      expect(typeof out[key], key).toBe('number');
      expect(out[key] as number, key).toBeGreaterThan(0);
    }
  });
  it('the merkle group reports its append rate beside Tessera POSIX, their ratio, and proof latency at 10^6 leaves', () => {
    const r = runNodeScript('dist/cli/main.js', ['bench', '--json', '--quick', '--only', 'merkle']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    // Tessera is built with go: without it the figure is a string saying what to install, and this fails with it
    for (const key of ['merkle_append_per_s', 'tessera_posix_append_per_s', 'merkle_vs_tessera_append_ratio', 'merkle_proof_ms_at_1e6', 'merkle_proof_p99_ms_at_1e6']) {
      expect(typeof out[key], `${key}: ${String(out[key])}`).toBe('number');
      expect(out[key] as number, key).toBeGreaterThan(0);
    }
    // the ratio is of the same run's figures (not a speed assertion)
    expect(out.merkle_vs_tessera_append_ratio).toBeCloseTo((out.merkle_append_per_s as number) / (out.tessera_posix_append_per_s as number), 1);
    // a million leaves plus 2 x 100,000 appends: about 30 s on a loaded 2-core machine (the first run also builds the Go program)
  }, 240_000);
});

describe('the merkle group\'s Tessera reference', () => {
  it('without go on PATH is unavailable, saying what to install (never skipped silently)', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(await buildTesseraBench()).toEqual({ ok: false, unavailable: expect.stringMatching(/^unavailable: go is not on PATH; install Go 1\.24 or later/) });
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('benchmark group state', () => {
  it('prints apply_events_per_s and smt_updates_per_s (never checks speed)', () => {
    const r = runNodeScript('dist/cli/main.js', ['bench', '--json', '--quick', '--only', 'state']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['apply_events_per_s', 'smt_updates_per_s']) {
      expect(typeof out[key], key).toBe('number');
      expect(out[key] as number, key).toBeGreaterThan(0);
    }
  });
});

describe('benchmark group rebuild', () => {
  it('prints rebuild_events_per_s and rebuild_replay_events_per_s (never checks speed)', () => {
    const r = runNodeScript('dist/cli/main.js', ['bench', '--json', '--quick', '--only', 'rebuild']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['rebuild_events_per_s', 'rebuild_replay_events_per_s', 'replay_sha256_blocks_per_event', 'compare_read_entries_per_event', 'limit_leveldb_read_entries_per_s', 'rebuild_floor_events_per_cpu_s']) {
      expect(typeof out[key], key).toBe('number');
      expect(out[key] as number, key).toBeGreaterThan(0);
    }
    // the floor is the sum of its parts, each from a figure of the same run
    const floor = out.rebuild_floor_us_per_event as Record<string, number>;
    expect(floor.total).toBeCloseTo(floor.sha256! + floor.leveldb_writes! + floor.compare_reads!, 1);
    expect(floor.sha256).toBeCloseTo(((out.replay_sha256_blocks_per_event as number) / (2 * (out.limit_sha256_64b_per_s as number))) * 1e6, 0);
    expect(floor.compare_reads).toBeCloseTo(((out.compare_read_entries_per_event as number) / (out.limit_leveldb_read_entries_per_s as number)) * 1e6, 0);
    // the bench opens its LevelDB as the CLI does: the comparison reads on two worker threads
    expect(out.rebuild_compare_readers).toBe(2);
    // a clean rebuild reads every compared entry twice (stored and rebuilt): more than one per event
    expect(out.compare_read_entries_per_event as number).toBeGreaterThan(2);
  }, 240_000);
});

describe('benchmark group audit', () => {
  it('prints the full audit per core, its CPU by part, and its floor against the limits of the same run (never checks speed)', () => {
    const r = runNodeScript('dist/cli/main.js', ['bench', '--json', '--quick', '--only', 'audit']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['audit_events_per_s', 'audit_events_per_s_per_core', 'audit_merkle_events_per_s', 'audit_events_per_cpu_s', 'audit_sha256_blocks_per_event', 'limit_ed25519_verify_per_s', 'audit_floor_events_per_s_per_core']) {
      expect(typeof out[key], key).toBe('number');
      expect(out[key] as number, key).toBeGreaterThan(0);
    }
    const floor = out.audit_floor_us_per_event as Record<string, number>;
    // one Ed25519 verification per event, at the rate measured alongside
    expect(floor.ed25519).toBeCloseTo(1e6 / (out.limit_ed25519_verify_per_s as number), 1);
    expect(floor.total).toBeCloseTo(floor.ed25519! + floor.sha256! + floor.leveldb_writes! + floor.compare_reads!, 1);
    expect(out.audit_floor_events_per_s_per_core).toBe(Math.round(1e6 / floor.total!));
  }, 240_000);
});

describe('benchmark group bundle', () => {
  it('prints bundle_bytes_at_1e6 and bundle_bytes_at_1e6_encumbered (one QR code: at most 2,953) and bundle_verify_ms_noble (never checks speed)', () => {
    const r = runNodeScript('dist/cli/main.js', ['bench', '--json', '--quick', '--only', 'bundle']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['bundle_bytes_at_1e6', 'bundle_bytes_at_1e6_encumbered', 'bundle_verify_ms_noble', 'bundle_verify_p99_ms_noble']) {
      expect(typeof out[key], key).toBe('number');
      expect(out[key] as number, key).toBeGreaterThan(0);
    }
    // the size is a property of the format, not of the machine
    expect(out.bundle_bytes_at_1e6 as number).toBeLessThanOrEqual(2953);
    // with a mortgage and a seizure it still fits one QR code (issue 24)
    expect(out.bundle_bytes_at_1e6_encumbered as number).toBeLessThanOrEqual(2953);
  }, 240_000); // two chains at 10^6 events; the loaded 2-core machine takes ~100 s
});
