/**
 * @module bench/groups/audit
 * `ledger audit` at the full level (audit/audit.ts) over the rebuild group's chain mix, with
 * real Ed25519 signatures on every event: 100,000 events (20,000 with --quick) cut by a
 * single-node core with the projections hook, over memory-level. Then the audit is timed: every
 * header and commit, every event decoded, re-hashed and its signature verified on worker threads
 * (one per core), the results and log roots recomputed, then the replay (state roots, result
 * codes) and the byte-for-byte comparison of state and projections.
 *  - audit_events_per_s: events / seconds of the whole full-level audit;
 *  - audit_events_per_s_per_core: the same divided by the machine's cores (the goal is per core);
 *  - audit_merkle_events_per_s: the merkle level alone (no replay).
 */
import { availableParallelism } from 'node:os';
import { audit } from '../../audit/audit.js';
import { LevelDbChainSource } from '../../audit/leveldb-source.js';
import { SignaturePool } from '../../consensus/signature-pool.js';
import type { BenchGroup } from '../types.js';
import { buildBenchChain } from './rebuild.js';

export const auditGroup: BenchGroup = {
  name: 'audit',
  description: 'ledger audit --level full: headers, commits, event signatures on every core, roots, replay and comparison (memory-level)',
  pure: true,
  async run({ quick, log }) {
    const target = quick ? 20_000 : 100_000;
    const t0 = performance.now();
    const chain = await buildBenchChain(target, log, undefined, { sign: true });
    log(`signed chain of ${chain.events} events built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const cores = availableParallelism();
    const pool = new SignaturePool(cores);
    try {
      const source = new LevelDbChainSource(chain.db, chain.genesis.bytes);
      const tm = performance.now();
      const merkle = await audit({ source, anchor: chain.genesis, level: 'merkle', pool });
      const merkleSeconds = (performance.now() - tm) / 1000;
      if (!merkle.ok) throw new Error(`the bench chain did not audit cleanly: ${JSON.stringify(merkle.finding)}`);
      const t = performance.now();
      const full = await audit({ source, anchor: chain.genesis, level: 'full', db: chain.db, pool });
      const seconds = (performance.now() - t) / 1000;
      if (!full.ok) throw new Error(`the bench chain did not audit cleanly: ${JSON.stringify(full.finding)}`);
      const perSecond = full.events / seconds;
      log(`full audit of ${full.events} events in ${seconds.toFixed(1)} s on ${cores} cores; merkle level ${merkleSeconds.toFixed(1)} s`);
      return {
        audit_events_per_s: Math.round(perSecond),
        audit_events_per_s_per_core: Math.round(perSecond / cores),
        audit_merkle_events_per_s: Math.round(merkle.events / merkleSeconds),
      };
    } finally {
      await pool.close();
    }
  },
};
