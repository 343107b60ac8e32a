/**
 * @module witness/node-witnessing
 * A node's side of the outside witnesses (issue 23): after each commit (heartbeat blocks are
 * commits too) it feeds the head's signed checkpoint to every witness the genesis names
 * (witness/witness-feeder.ts), off the commit path: a round runs after the commit, rounds never
 * overlap (commits during a round are coalesced into one more round on the newest head), and a
 * witness that is down only adds lag. Every node of the cluster submits; the witness answers the
 * same checkpoint with the same cosignature.
 *
 * The checkpoints that got cosignatures are kept, as signed notes with the nodes' lines followed
 * by the witnesses' lines, in `<node folder>/witnessed.json` (written atomically): the latest one
 * with any cosignature and the latest one with at least the genesis's witness quorum. `/checkpoint`
 * and the proof bundles read them.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSignedNote, parseCheckpointText, parseSignedNote, type NoteSignature } from '../ledger/checkpoint.js';
import type { LoadedGenesis } from '../ledger/genesis.js';
import { COSIGNER_KEY_TYPE, cosignerKeyId } from '../ledger/witness-cosignature.js';
import { WitnessFeeder, type WitnessStatus } from './witness-feeder.js';
import type { ConsistencyProofSource } from './witness-submitter.js';

const FILE = 'witnessed.json';

/** A checkpoint with the witnesses' cosignature lines after the nodes' lines. */
export interface WitnessedNote {
  note: string;
  size: bigint;
  /** the witness names whose cosignatures the note carries */
  witnesses: string[];
}

export interface StoredWitnessed {
  /** the latest checkpoint with at least one cosignature */
  latest?: WitnessedNote;
  /** the latest checkpoint with at least the genesis's witness quorum of cosignatures */
  quorum?: WitnessedNote;
}

export interface NodeWitnessStatus {
  quorum: number;
  /** log size of the latest checkpoint that reached the witness quorum ("0" when none yet) */
  witnessedSize: string;
  /** the head's log size minus witnessedSize: how far witnessing is behind the chain */
  lag: string;
  witnesses: Array<{ name: string; url: string; cosignedSize: string; lag: string; lastError?: string; conflict?: string }>;
}

export interface NodeWitnessing {
  /** Call after every commit; never waits for the witnesses. */
  onCommitted(): void;
  status(): NodeWitnessStatus;
  stored(): StoredWitnessed;
  /** Resolves when no round is running (tests, stop). */
  idle(): Promise<void>;
  stop(): void;
}

/** The witness lines are appended after the note's own lines (C2SP signed-note: order is free). */
export function appendCosignatures(note: string, cosignatures: NoteSignature[]): string {
  const parsed = parseSignedNote(note);
  if (parsed === undefined || cosignatures.length === 0) return note;
  // the signature lines alone: a note of the same text minus its text and blank line
  return `${note}${formatSignedNote(parsed.text, cosignatures).slice(parsed.text.length + 1)}`;
}

function toJson(w: WitnessedNote | undefined): unknown {
  return w === undefined ? undefined : { note: w.note, size: w.size.toString(), witnesses: w.witnesses };
}

function fromJson(v: unknown): WitnessedNote | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.note !== 'string' || typeof o.size !== 'string' || !/^\d{1,20}$/.test(o.size) || !Array.isArray(o.witnesses)) return undefined;
  const checkpoint = parseSignedNote(o.note);
  if (checkpoint === undefined || parseCheckpointText(checkpoint.text)?.size !== BigInt(o.size)) return undefined;
  return { note: o.note, size: BigInt(o.size), witnesses: o.witnesses.filter((x): x is string => typeof x === 'string') };
}

/** Reads `<node folder>/witnessed.json`; an absent or damaged file is nothing stored (it is rebuilt by the next rounds). */
export function readWitnessed(nodeDir: string): StoredWitnessed {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(join(nodeDir, FILE), 'utf8'));
  } catch {
    return {};
  }
  const o = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const latest = fromJson(o.latest);
  const quorum = fromJson(o.quorum);
  return { ...(latest ? { latest } : {}), ...(quorum ? { quorum } : {}) };
}

function writeWitnessed(nodeDir: string, stored: StoredWitnessed): void {
  const tmp = join(nodeDir, `${FILE}.tmp`);
  writeFileSync(tmp, `${JSON.stringify({ latest: toJson(stored.latest), quorum: toJson(stored.quorum) }, null, 2)}\n`);
  renameSync(tmp, join(nodeDir, FILE));
}

export interface NodeWitnessingOptions {
  genesis: LoadedGenesis;
  nodeDir: string;
  /** the head's signed checkpoint (api/checkpoint-note.ts), or undefined before the first block */
  headCheckpoint: () => Promise<string | undefined>;
  /** the head's log size, for the lag */
  headLogSize: () => bigint;
  consistencyProof: ConsistencyProofSource;
  log: (line: string) => void;
}

/** Starts witnessing for a node; undefined when the genesis names no witness. */
export function startNodeWitnessing(opts: NodeWitnessingOptions): NodeWitnessing | undefined {
  const g = opts.genesis.genesis;
  if (g.witnesses.length === 0) return undefined;
  const endpoints = g.witnesses.map((w) => ({
    name: w.name,
    url: w.url,
    key: { name: w.name, keyType: COSIGNER_KEY_TYPE, keyId: cosignerKeyId(w.name, w.publicKey), publicKey: w.publicKey },
  }));
  const onAlarm = (s: WitnessStatus) => opts.log(`ALARM witness-conflict: witness ${s.name} (${s.url}) refused our checkpoint: ${s.conflict ?? s.lastError ?? ''} (a split view or a rollback)`);
  const feeder = new WitnessFeeder(endpoints, opts.consistencyProof, onAlarm);
  let stored = readWitnessed(opts.nodeDir);
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  async function round(): Promise<void> {
    const note = await opts.headCheckpoint();
    if (note === undefined) return;
    await feeder.feed(note);
    const latest = feeder.latest();
    if (latest === undefined || latest.note !== note || latest.cosignatures.length === 0) return;
    const witnesses = [...new Set(latest.cosignatures.map((c) => c.keyName))];
    const witnessed: WitnessedNote = { note: appendCosignatures(note, latest.cosignatures), size: latest.size, witnesses };
    stored = { latest: witnessed, ...(witnesses.length >= g.witnessQuorum ? { quorum: witnessed } : stored.quorum ? { quorum: stored.quorum } : {}) };
    try {
      writeWitnessed(opts.nodeDir, stored);
    } catch (e) {
      opts.log(`witnessed checkpoint not stored: ${(e as Error).message}`);
    }
  }

  function kick(): void {
    if (stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await round();
        } catch (e) {
          opts.log(`witness round failed: ${(e as Error).message}`);
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
  }

  return {
    onCommitted: kick,
    stored: () => stored,
    status() {
      const head = opts.headLogSize();
      const witnessedSize = stored.quorum?.size ?? 0n;
      return {
        quorum: g.witnessQuorum,
        witnessedSize: witnessedSize.toString(),
        lag: (head > witnessedSize ? head - witnessedSize : 0n).toString(),
        witnesses: feeder.status().map((s) => ({
          name: s.name,
          url: s.url,
          cosignedSize: s.cosignedSize.toString(),
          lag: (head > s.cosignedSize ? head - s.cosignedSize : 0n).toString(),
          ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
          ...(s.conflict !== undefined ? { conflict: s.conflict } : {}),
        })),
      };
    },
    idle: async () => {
      while (running !== undefined) await running;
    },
    // a round in flight ends by itself (it only writes the file); the node does not wait for witnesses
    stop: () => {
      stopped = true;
    },
  };
}
