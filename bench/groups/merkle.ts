/**
 * @module bench/groups/merkle
 * The persistent RFC 9162 log in LevelDB (ledger/merkle-log.ts):
 *  - merkle_append_per_s: 100,000 random 32-byte entries appended as a node commits them, in
 *    blocks of 1,000: per block the leaf hashes are staged, and the stage's writes plus the block's
 *    entries (one value, as the node stores a block and Tessera an entry bundle) go in one
 *    LevelDB batch written with fsync; timed from the first append to the last batch written;
 *  - tessera_posix_append_per_s: the same 100,000-entry shape in Tessera's POSIX log (bench/tessera,
 *    batches of 1,024 entries or 100 ms, a checkpoint every second), timed from the first add to a
 *    signed checkpoint covering the last entry; a string saying what to install when `go` is
 *    missing (issue 28);
 *  - merkle_vs_tessera_append_ratio: the first over the second (medians of interleaved runs: three,
 *    one with --quick);
 *  - merkle_proof_ms_at_1e6 (median) and merkle_proof_p99_ms_at_1e6: an inclusion proof plus a
 *    consistency proof at random past sizes of a log of 10^6 leaves.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { MerkleLog } from '../../ledger/merkle-log.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../../ledger/merkle.js';
import { buildTesseraBench, runTesseraBench } from '../tessera-posix.js';
import type { BenchFigure, BenchGroup } from '../types.js';

const ENTRIES = 100_000;
const ENTRY_BYTES = 32;
const BLOCK = 1000; // leaves per commit: one block of max_events
const PROOF_LEAVES = 1_000_000;

type Db = Level<Uint8Array, Uint8Array>;

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

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function withLevel<T>(prefix: string, f: (db: Db, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const db = new Level<Uint8Array, Uint8Array>(join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
  try {
    await db.open();
    return await f(db, dir);
  } finally {
    await db.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

const openLog = (db: Db) => MerkleLog.open(db.sublevel<Uint8Array, Uint8Array>('merkle', { keyEncoding: 'view', valueEncoding: 'view' }));

/** Appends ENTRIES random entries in blocks of BLOCK with fsync per block; entries per second. */
async function appendRun(): Promise<number> {
  return withLevel('ledger-bench-merkle-', async (db) => {
    const merkle = await openLog(db);
    const entriesDb = db.sublevel<Uint8Array, Uint8Array>('entries', { keyEncoding: 'view', valueEncoding: 'view' });
    const entries = new Uint8Array(randomBytes(ENTRIES * ENTRY_BYTES)); // made before the clock starts, as Tessera's are
    const start = performance.now();
    for (let done = 0; done < ENTRIES; done += BLOCK) {
      const stage = merkle.stage();
      for (let i = done; i < done + BLOCK; i++) stage.append(leafHash(entries.subarray(i * ENTRY_BYTES, (i + 1) * ENTRY_BYTES)));
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, done / BLOCK);
      const ops = [...stage.writes(), { type: 'put' as const, sublevel: entriesDb, key, value: entries.slice(done * ENTRY_BYTES, (done + BLOCK) * ENTRY_BYTES) }];
      await db.batch(ops as never, { sync: true } as never);
      merkle.commit(stage);
    }
    return Math.round(ENTRIES / ((performance.now() - start) / 1000));
  });
}

/** Proof latency at PROOF_LEAVES leaves: median and p99 of an inclusion plus a consistency proof. */
async function proofRun(samples: number, log: (m: string) => void): Promise<{ median: number; p99: number }> {
  return withLevel('ledger-bench-merkle-proofs-', async (db) => {
    const merkle = await openLog(db);
    const leaf = new Uint8Array(8);
    const view = new DataView(leaf.buffer);
    for (let done = 0; done < PROOF_LEAVES; done += BLOCK) {
      const stage = merkle.stage();
      for (let i = 0; i < BLOCK; i++) {
        view.setFloat64(0, done + i);
        stage.append(leafHash(leaf));
      }
      await db.batch(stage.writes() as never);
      merkle.commit(stage);
      if ((done / BLOCK) % 250 === 0) log(`merkle: proof log at ${done.toLocaleString('en')} leaves`);
    }
    const rnd = prng(42);
    const times: number[] = [];
    for (let s = 0; s < samples; s++) {
      const size = 2 + Math.floor(rnd() * (PROOF_LEAVES - 2));
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
    return { median: Number(times[Math.floor(times.length / 2)]!.toFixed(3)), p99: Number(times[Math.floor(times.length * 0.99)]!.toFixed(3)) };
  });
}

export const merkleGroup: BenchGroup = {
  name: 'merkle',
  description: `persistent Merkle log: ${ENTRIES.toLocaleString('en')} appends in blocks of ${BLOCK} with fsync, beside Tessera's POSIX log; proofs at ${PROOF_LEAVES.toLocaleString('en')} leaves`,
  pure: true,
  async run({ quick, log }) {
    const tessera = await buildTesseraBench();
    if (!tessera.ok) log(`merkle: Tessera ${tessera.unavailable}`);
    const rounds = quick ? 1 : 3;
    const ours: number[] = [];
    const theirs: number[] = [];
    const runTessera = async () => {
      if (!tessera.ok) return;
      const perS = await withLevel('ledger-bench-tessera-', (_db, dir) => runTesseraBench(tessera.program, join(dir, 'log'), ENTRIES));
      theirs.push(Math.round(perS));
    };
    for (let r = 0; r < rounds; r++) {
      // interleaved, alternating who goes first, so that a change in the machine's load hits both
      if (r % 2 === 0) await runTessera();
      ours.push(await appendRun());
      if (r % 2 === 1) await runTessera();
      log(`merkle: round ${r + 1}/${rounds}: ours ${ours.at(-1)!.toLocaleString('en')}/s, Tessera ${tessera.ok ? `${theirs.at(-1)!.toLocaleString('en')}/s` : 'unavailable'}`);
    }
    const proofs = await proofRun(quick ? 200 : 2000, log);
    const figures: Record<string, BenchFigure> = {
      merkle_append_per_s: median(ours),
      tessera_posix_append_per_s: tessera.ok ? median(theirs) : tessera.unavailable,
      merkle_vs_tessera_append_ratio: tessera.ok ? Number((median(ours) / median(theirs)).toFixed(2)) : tessera.unavailable,
      merkle_proof_ms_at_1e6: proofs.median,
      merkle_proof_p99_ms_at_1e6: proofs.p99,
    };
    return figures;
  },
};
