/**
 * @module bench/groups/merkle
 * The persistent RFC 9162 log in LevelDB: batched appends (as a block commit does them) and
 * proof latency at 10^6 leaves (an inclusion proof plus a consistency proof, random past sizes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { MerkleLog } from '../../ledger/merkle-log.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../../ledger/merkle.js';
import type { BenchGroup } from '../types.js';

const LEAVES = 1_000_000;
const BATCH = 1000; // leaves per commit: one block of max_events

/** A deterministic PRNG (xorshift32) so that runs pick the same sizes. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

export const merkleGroup: BenchGroup = {
  name: 'merkle',
  description: `persistent Merkle log: appends in batches of ${BATCH}, proofs at ${LEAVES.toLocaleString('en')} leaves`,
  pure: true,
  async run({ quick, log }) {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-merkle-'));
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    try {
      await db.open();
      const merkle = await MerkleLog.open(db.sublevel<Uint8Array, Uint8Array>('merkle', { keyEncoding: 'view', valueEncoding: 'view' }));
      const leaf = new Uint8Array(8);
      const view = new DataView(leaf.buffer);
      const start = performance.now();
      for (let done = 0; done < LEAVES; done += BATCH) {
        const stage = merkle.stage();
        for (let i = 0; i < BATCH; i++) {
          view.setFloat64(0, done + i);
          stage.append(leafHash(leaf));
        }
        await db.batch(stage.writes());
        merkle.commit(stage);
        if ((done / BATCH) % 200 === 0) log(`merkle: ${done.toLocaleString('en')} leaves`);
      }
      const appendPerS = Math.round(LEAVES / ((performance.now() - start) / 1000));
      // proofs: random (index < size) and (old < new) pairs over the whole history
      const rnd = prng(42);
      const samples = quick ? 200 : 2000;
      const times: number[] = [];
      for (let s = 0; s < samples; s++) {
        const size = 2 + Math.floor(rnd() * (LEAVES - 2));
        const index = Math.floor(rnd() * size);
        const old = 1 + Math.floor(rnd() * (size - 1));
        const t = performance.now();
        const [ip, cp] = await Promise.all([merkle.inclusionProof(index, size), merkle.consistencyProof(old, size)]);
        times.push(performance.now() - t);
        if (s < 5) {
          // sanity: the proofs verify (outside the timing)
          const [root, oldRoot, leafH] = await Promise.all([merkle.rootAt(size), merkle.rootAt(old), merkle.leafHashAt(index)]);
          if (!verifyInclusion(leafH, index, size, ip, root).ok || !verifyConsistency(old, size, oldRoot, root, cp).ok) {
            throw new Error('bench: a proof did not verify');
          }
        }
      }
      times.sort((a, b) => a - b);
      return {
        merkle_append_per_s: appendPerS,
        merkle_proof_ms_at_1e6: Number(times[Math.floor(times.length / 2)]!.toFixed(3)),
        merkle_proof_p99_ms_at_1e6: Number(times[Math.floor(times.length * 0.99)]!.toFixed(3)),
      };
    } finally {
      await db.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
