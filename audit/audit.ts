/**
 * @module audit/audit
 * `ledger audit` (DESIGN.md sections 2, 7, 8 and 9): verifies a chain from the genesis and reports
 * "verified up to height H" or the first problem, at the exact place.
 *
 *  1. Every block through the ChainSource (verifier/audit-source.ts), checked by the pure
 *     ChainChecker (verifier/audit-chain.ts) at the `headers` or `merkle` level. Event signatures
 *     are verified on worker threads (consensus/signature-pool.ts), several blocks ahead of the
 *     check that joins their results, so that every core works.
 *  2. `full`: the replay of replay/rebuild.ts from block 1 (fresh state and projections in the
 *     node database's `rebuild` area, cleared after): every result code and header state root,
 *     then the stored state and projections compared with the replay byte for byte. It runs
 *     alongside step 1 (the main thread replays while the workers verify signatures); when step 1
 *     stopped at a block with a root-level finding, the replay's first mismatch names the event
 *     behind it (it runs on to its own first mismatch or the head either way).
 *  3. A previous checkpoint: the header at its height must be the same, and an RFC 9162
 *     consistency proof from its log size to the verified one, built from the recomputed leaves,
 *     must verify. A new checkpoint (verifier/audit-checkpoint.ts) is produced when all passed.
 */
import { bytesEqual, toHex } from '../ledger/bytes.js';
import { checkpointText } from '../ledger/checkpoint.js';
import { formatSignedNote, noteKeyId, noteKeyName } from '../ledger/checkpoint.js';
import { LedgerError } from '../errors/ledger-error.js';
import { loadGenesis, type LoadedGenesis } from '../ledger/genesis.js';
import { consistencyProof } from '../ledger/merkle.js';
import type { AnyDb } from '../ledger/state-store.js';
import { verifyEd25519 } from '../ledger/signature.js';
import { decode } from '../proto/codec.js';
import { checkConsistency, type AuditCheckpoint, type ConsistencyResult } from '../verifier/audit-checkpoint.js';
import { ChainChecker, primaryFinding, type AuditCode, type AuditFinding, type AuditLevel, type BlockCheck } from '../verifier/audit-chain.js';
import type { ChainSource } from '../verifier/audit-source.js';
import { rebuild, type RebuildProgress } from '../replay/rebuild.js';
import type { SignaturePool } from '../consensus/signature-pool.js';

/** What cannot be recomputed from stored blocks, at every level (said in every report). */
export const NOT_RECOMPUTABLE = [
  'records_digest and dropped_count: they cover raw Kafka records (dropped records, time-to-cut markers) that no block stores',
  'block_time_ms, first_offset and last_offset: only bounded by the events\' offsets and record times and by the neighbouring blocks',
];

export interface AuditProgress {
  height: bigint;
  head: bigint;
  events: number;
  /** The chain's events (the head header's log size, unverified: for the progress bar only). */
  totalEvents?: bigint;
  phase: 'blocks' | 'replay' | 'compare';
  /** The full level's comparison, after its replay (replay/rebuild.ts RebuildProgress). */
  compared?: { entries: number; total: number; table: number; tables: number };
}

export interface AuditOptions {
  source: ChainSource;
  /** The trust anchor: the genesis the auditor holds (default: the source's). */
  anchor?: LoadedGenesis;
  level: AuditLevel;
  /** The node database, for the `full` level (state and projections). */
  db?: AnyDb;
  /** An empty scratch database for the full level's replay (replay/scratch-area.ts); default: the node database's `rebuild` sublevel. */
  area?: AnyDb;
  /** Worker threads for the event signatures (default: checks on this thread). */
  pool?: SignaturePool;
  /** A checkpoint from an earlier audit: prove the chain only grew since. */
  previous?: AuditCheckpoint;
  onProgress?: (p: AuditProgress) => void;
}

export interface AuditReport {
  ok: boolean;
  level: AuditLevel;
  genesisHash: string;
  /** The head the source claims. */
  head: string;
  /** Every block up to here passed. */
  verifiedHeight: string;
  blocks: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** CPU seconds of the whole audit, every thread (the signature workers' included). */
  cpuSeconds: number;
  /** The full level's replay (replay/rebuild.ts): its seconds, writes, phase times and CPU; null at the other levels. */
  replay: Pick<Awaited<ReturnType<typeof rebuild>>, 'seconds' | 'eventsPerSecond' | 'writes' | 'phasesMs' | 'cpuSeconds' | 'gcPauseMs'> | null;
  logSize: string;
  logRoot: string;
  headerHash: string;
  /** The first problem (the most specific of the first bad block), or null. */
  finding: AuditFinding | null;
  /** Every problem found in that block. */
  findings: AuditFinding[];
  checkpoint: { previousHeight: string; consistency: ConsistencyResult | null } | null;
  /** The checkpoint to keep (when everything passed). */
  newCheckpoint: AuditCheckpoint | null;
  notChecked: string[];
}

/** How many blocks' signatures may be in flight on the workers while later blocks are checked. */
const WINDOW = 8;

export async function audit(opts: AuditOptions): Promise<AuditReport> {
  // The pool's workers are unref'd (a node must be able to exit): while the audit waits on them
  // and nothing else is pending, this timer keeps the process alive.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    return await run(opts);
  } finally {
    clearInterval(keepAlive);
  }
}

async function run(opts: AuditOptions): Promise<AuditReport> {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const sourceGenesis = await opts.source.genesisBytes();
  const anchor = opts.anchor ?? loadGenesis(sourceGenesis);
  const head = await opts.source.headHeight();
  const totalEvents = opts.onProgress !== undefined ? await claimedLogSize(opts.source, head, anchor) : undefined;
  const notChecked = [...NOT_RECOMPUTABLE];
  if (opts.level !== 'full') notChecked.push('state roots, result codes and projections (the full level replays them)');
  if (opts.level === 'headers') notChecked.push('events, their signatures, the results and log roots (the merkle level checks them)');
  if (opts.level === 'full' && opts.db === undefined) throw new LedgerError('USAGE', 'the full level needs the node database (a data folder): the API serves no state to compare', {});

  const checker = new ChainChecker(anchor, opts.level, (pk, m, s) => verifyEd25519(pk, m, s), { keepLeaves: opts.level !== 'headers' && opts.previous !== undefined && opts.previous.logSize > 0n });
  const verify = async (c: BlockCheck): Promise<boolean[]> => {
    if (c.signatures.length === 0) return [];
    if (opts.pool !== undefined) return opts.pool.verifyMany(c.signatures);
    return c.signatures.map((s) => verifyEd25519(s.publicKey, s.message, s.signature));
  };

  let findings: AuditFinding[] = [];
  let verified = 0n;
  let events = 0;
  let previousHeader: { hash: Uint8Array; logSize: bigint } | undefined;
  let verifiedState = { logSize: 0n, logRoot: checker.logRoot, headerHash: anchor.hash, blockTimeMs: 0n };
  if (!bytesEqual(loadGenesisHash(sourceGenesis), anchor.hash)) {
    findings.push({ code: 'GENESIS_MISMATCH', height: '0', expected: toHex(anchor.hash), found: toHex(loadGenesisHash(sourceGenesis)), message: 'the source\'s genesis is not the trust anchor' });
  }
  const queue: Array<{ check: BlockCheck; results: Promise<boolean[]>; blockTimeMs: bigint }> = [];
  const settle = async (): Promise<boolean> => {
    const q = queue.shift()!;
    const results = await q.results;
    const bad: AuditFinding[] = [];
    results.forEach((ok, i) => {
      if (ok) return;
      const s = q.check.signatures[i]!;
      const field = q.check.resultsRootOk ? `events[${s.event}].event.signature` : `events[${s.event}].event.body`;
      bad.push({
        code: 'EVENT_SIGNATURE_INVALID',
        height: q.check.height.toString(),
        event: s.event,
        field,
        expected: `a signature by ${toHex(s.publicKey).slice(0, 16)} over event id ${toHex(s.message)}`,
        found: toHex(s.signature),
        message: `block ${q.check.height}, event ${s.event}: the signature does not verify over the id re-hashed from the stored body (${q.check.resultsRootOk ? 'the signature bytes were changed' : 'the body was changed: the results root differs too'})`,
      });
    });
    const all = [...bad, ...q.check.findings];
    if (all.length > 0) {
      findings = all;
      return false;
    }
    verified = q.check.height;
    events += q.check.events;
    verifiedState = { logSize: q.check.logSize, logRoot: q.check.logRoot, headerHash: q.check.headerHash, blockTimeMs: q.blockTimeMs };
    if (opts.previous !== undefined && q.check.height === opts.previous.height) previousHeader = { hash: q.check.headerHash, logSize: q.check.logSize };
    opts.onProgress?.({ height: q.check.height, head, events, totalEvents, phase: 'blocks' });
    return true;
  };

  // The replay of the full level runs alongside the block checks: the main thread replays while
  // the workers verify signatures (it reads the same stored blocks; see the join below).
  let blocksDone = false;
  let replay: Promise<{ report: Awaited<ReturnType<typeof rebuild>> } | { error: Error }> | undefined;
  let replayFigures: AuditReport['replay'] = null;
  if (opts.level === 'full' && opts.db !== undefined && findings.length === 0) {
    // A node that never ran the projections hook keeps no projections (proj-meta is empty): it
    // is not tampered with, there is just nothing to compare.
    const keepsProjections = (await (opts.db.sublevel('proj-meta', { keyEncoding: 'view', valueEncoding: 'view' }).keys({ limit: 1 }) as unknown as { all(): Promise<unknown[]> }).all()).length > 0;
    if (!keepsProjections) notChecked.push('projections: this node keeps none (its proj-meta table is empty); its state is compared');
    const onProgress = (p: RebuildProgress) => {
      if (!blocksDone) return;
      if (p.compared !== undefined) opts.onProgress?.({ height: p.height, head: p.head, events: p.events, totalEvents, phase: 'compare', compared: p.compared });
      else opts.onProgress?.({ height: p.height, head: p.head, events: p.events, totalEvents, phase: 'replay' });
    };
    // Once the block checks stop at a height, the replay need not go past it.
    const shouldStop = (h: bigint) => findings.length > 0 && (!refinable(findings) || h > BigInt(findings[0]!.height));
    replay = rebuild({ db: opts.db, genesis: anchor, stateOnly: !keepsProjections, onProgress, shouldStop, ...(opts.area !== undefined ? { area: opts.area } : {}) }).then(
      (report) => ({ report }),
      (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }
  if (findings.length === 0) {
    for (let h = 1n; h <= head; h++) {
      const raw = await opts.source.block(h);
      const check = checker.check(h, raw);
      queue.push({ check, results: verify(check), blockTimeMs: checker.header?.blockTimeMs ?? 0n });
      if (check.findings.length > 0) break; // the checker's state is undefined past a bad block
      if (queue.length >= WINDOW && !(await settle())) break;
    }
    while (queue.length > 0 && findings.length === 0) await settle();
    queue.length = 0;
  }
  blocksDone = true;

  // The full level: the replay (replay/rebuild.ts), started with the block checks above and
  // joined here.
  if (replay !== undefined && (findings.length === 0 || refinable(findings))) {
    const stop = findings.length === 0 ? undefined : BigInt(findings[0]!.height);
    const outcome = await replay;
    if ('error' in outcome) {
      if (findings.length === 0) findings = [{ code: 'REPLAY_FAILED', height: String(verified), message: `the replay failed: ${outcome.error.message}` }];
    } else {
      const { seconds, eventsPerSecond, writes, phasesMs, cpuSeconds, gcPauseMs } = outcome.report;
      replayFigures = { seconds, eventsPerSecond, writes, phasesMs, cpuSeconds, gcPauseMs };
      const replayFinding = fromRebuild(outcome.report);
      if (replayFinding !== undefined) {
        const at = BigInt(replayFinding.height);
        const changed = findings.find((f) => f.code === 'HEADER_NOT_COMMITTED');
        if (at === stop && changed !== undefined && replayFinding.code === 'STATE_ROOT_MISMATCH' && !changed.field!.startsWith('header.')) {
          changed.field = 'header.state_root';
          changed.message += ` (it is state_root: the replay gives ${replayFinding.expected}, the header says ${replayFinding.found})`;
        } else if (stop === undefined || at < stop || (at === stop && !findings.some((f) => f.event !== undefined || f.code === 'HEADER_NOT_COMMITTED'))) {
          findings = [replayFinding, ...(at === stop ? findings : [])];
          if (at <= verified) verified = at - 1n;
        }
      }
    }
  } else if (replay !== undefined) {
    await replay; // let it finish (it clears its area) before the database is closed
  }

  // A stored head record (LevelDB) must name the last block.
  const source = opts.source as ChainSource & { headHeaderHash?: () => Promise<Uint8Array | undefined> };
  if (findings.length === 0 && verified === head && head > 0n && source.headHeaderHash !== undefined) {
    const named = await source.headHeaderHash();
    if (named !== undefined && !bytesEqual(named, verifiedState.headerHash)) {
      findings = [{ code: 'HEAD_MISMATCH', height: head.toString(), field: 'chain head', expected: toHex(verifiedState.headerHash), found: toHex(named), message: `the stored chain head names header ${toHex(named).slice(0, 16)} at height ${head}, the block there hashes to ${toHex(verifiedState.headerHash).slice(0, 16)}` }];
      verified = head - 1n;
    }
  }

  // Checkpoints.
  let checkpoint: AuditReport['checkpoint'] = null;
  if (opts.previous !== undefined && findings.length === 0) {
    const p = opts.previous;
    checkpoint = { previousHeight: p.height.toString(), consistency: null };
    if (!bytesEqual(p.genesisHash, anchor.hash)) {
      findings = [{ code: 'CHECKPOINT_OTHER_CHAIN', height: p.height.toString(), field: 'genesisHash', expected: toHex(anchor.hash), found: toHex(p.genesisHash), message: 'the checkpoint belongs to another genesis' }];
    } else if (p.height > verified || p.logSize > verifiedState.logSize) {
      findings = [{ code: 'CHECKPOINT_AHEAD', height: p.height.toString(), expected: `height >= ${p.height}, log size >= ${p.logSize}`, found: `height ${verified}, log size ${verifiedState.logSize}`, message: `the checkpoint saw height ${p.height} (log size ${p.logSize}); the chain now ends at height ${verified} (log size ${verifiedState.logSize}): it was truncated or rolled back` }];
    } else if (opts.level === 'headers') {
      notChecked.push("the RFC 9162 consistency proof from the checkpoint (the merkle level recomputes the log); the header at the checkpoint's height was compared");
      if (previousHeader !== undefined && (!bytesEqual(previousHeader.hash, p.headerHash) || previousHeader.logSize !== p.logSize)) {
        findings = [{ code: 'CHECKPOINT_INCONSISTENT', height: p.height.toString(), field: 'headerHash', expected: toHex(p.headerHash), found: toHex(previousHeader.hash), message: `the header at the checkpoint's height ${p.height} is not the one the checkpoint saw` }];
      }
    } else {
      const proof = p.logSize > 0n && p.logSize < verifiedState.logSize ? consistencyProof(checker.leaves!, Number(p.logSize)) : [];
      const c = checkConsistency(p, verifiedState.logSize, verifiedState.logRoot, proof);
      checkpoint.consistency = c;
      const f: AuditFinding[] = [];
      if (!c.ok) {
        f.push({ code: 'CHECKPOINT_INCONSISTENT', height: p.height.toString(), field: 'logRoot', expected: `a log extending size ${p.logSize} with root ${toHex(p.logRoot)}`, found: `RFC 9162 consistency proof to size ${verifiedState.logSize}: ${c.code}`, message: `the chain does not extend the checkpoint's log (consistency proof from size ${p.logSize} to ${verifiedState.logSize}: ${c.code}): a fork or a rewrite` });
      }
      if (previousHeader !== undefined && (!bytesEqual(previousHeader.hash, p.headerHash) || previousHeader.logSize !== p.logSize)) {
        f.push({ code: 'CHECKPOINT_INCONSISTENT', height: p.height.toString(), field: 'headerHash', expected: toHex(p.headerHash), found: toHex(previousHeader.hash), message: `the header at the checkpoint's height ${p.height} is not the one the checkpoint saw` });
      }
      if (f.length > 0) findings = f;
    }
  }

  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const ok = findings.length === 0;
  let newCheckpoint: AuditCheckpoint | null = null;
  if (ok && verified > 0n) {
    const raw = (await opts.source.block(verified))!;
    newCheckpoint = makeCheckpoint(anchor, checker.origin, verified, verifiedState, raw.commit);
  }
  return {
    ok,
    level: opts.level,
    genesisHash: toHex(anchor.hash),
    head: head.toString(),
    verifiedHeight: verified.toString(),
    blocks: Number(verified),
    events,
    seconds,
    eventsPerSecond: seconds > 0 ? Math.round(events / seconds) : 0,
    cpuSeconds: Math.round((cpu.user + cpu.system) / 1000) / 1000,
    replay: replayFigures,
    logSize: verifiedState.logSize.toString(),
    logRoot: toHex(verifiedState.logRoot),
    headerHash: toHex(verifiedState.headerHash),
    finding: primaryFinding(findings) ?? null,
    findings,
    checkpoint,
    newCheckpoint,
    notChecked,
  };
}

/** The log size the head block's header claims (for the progress bar; checked like every header later), or undefined. */
async function claimedLogSize(source: ChainSource, head: bigint, anchor: LoadedGenesis): Promise<bigint | undefined> {
  if (head <= 0n) return undefined;
  try {
    const raw = await source.block(head);
    return raw === undefined ? undefined : decode('Block', raw.block, anchor.limits).header?.logSize;
  } catch {
    return undefined;
  }
}

function loadGenesisHash(bytes: Uint8Array): Uint8Array {
  return loadGenesis(bytes).hash;
}

/** Block-level findings that the replay can narrow to an event (a root mismatch, a changed header). */
function refinable(findings: AuditFinding[]): boolean {
  return findings.every((f) => f.event === undefined) && findings.some((f) => ['RESULTS_ROOT_MISMATCH', 'HEADER_NOT_COMMITTED', 'LOG_ROOT_MISMATCH'].includes(f.code));
}

function fromRebuild(r: Awaited<ReturnType<typeof rebuild>>): AuditFinding | undefined {
  if (r.firstMismatch !== null) {
    const m = r.firstMismatch;
    if (m.what === 'state_root') {
      return { code: 'STATE_ROOT_MISMATCH', height: m.height, field: 'state_root', expected: m.found, found: m.expected, message: `block ${m.height}: replaying the rules gives state root ${m.found.slice(0, 16)}, the header says ${m.expected.slice(0, 16)}` };
    }
    // The fold (ledger/block-fold.ts) also recomputes what the merkle level checks: name it the same way.
    const headerField: Record<string, AuditCode> = { results_root: 'RESULTS_ROOT_MISMATCH', log_root: 'LOG_ROOT_MISMATCH', log_size: 'LOG_SIZE_MISMATCH', event_count: 'COUNTS_INVALID', block_time_ms: 'BLOCK_TIME_INVALID' };
    const code = headerField[m.what] ?? (m.what.startsWith('event_offset') ? 'OFFSETS_INVALID' : undefined);
    if (code !== undefined) {
      return { code, height: m.height, ...(m.event !== undefined ? { event: m.event } : {}), field: m.what, expected: m.found, found: m.expected, message: `block ${m.height}: replaying its events gives ${m.what} ${m.found.slice(0, 16)}, the block says ${m.expected.slice(0, 16)}` };
    }
    return {
      code: 'RESULT_MISMATCH',
      height: m.height,
      event: m.event,
      field: `events[${m.event}].result_code`,
      expected: m.found,
      found: m.expected,
      message: `block ${m.height}, event ${m.event}: the block stores ${m.expected}, replaying the rules gives ${m.found}`,
    };
  }
  const d = r.firstDifference;
  if (d === null) return undefined;
  const projection = d.table.startsWith('proj-');
  const height = d.changedBy?.height ?? r.head;
  return {
    code: projection ? 'PROJECTION_MISMATCH' : 'STATE_MISMATCH',
    height,
    table: d.table,
    key: d.key,
    field: `${d.table} ${d.key}`,
    expected: d.expected ?? '(absent)',
    found: d.found ?? '(absent)',
    ...(d.changedBy !== null ? { changedBy: d.changedBy } : {}),
    message: `${d.table} record ${d.key} differs from the replay (${r.differences} difference(s): ${Object.entries(r.byTable).map(([t, n]) => `${t} ${n}`).join(', ')})${d.changedBy !== null ? `; last changed by event ${d.changedBy.eventId ?? '?'} at height ${d.changedBy.height}, index ${d.changedBy.index}` : ''}`,
  };
}

function makeCheckpoint(g: LoadedGenesis, origin: string, height: bigint, s: { logSize: bigint; logRoot: Uint8Array; headerHash: Uint8Array; blockTimeMs: bigint }, commitBytes: Uint8Array): AuditCheckpoint {
  const text = checkpointText(origin, s.logSize, s.logRoot);
  let note = text;
  try {
    const commit = decode('Commit', commitBytes, g.limits);
    const sigs = commit.signatures
      .filter((x) => x.noteSignature.length === 64)
      .map((x) => {
        const name = noteKeyName(origin, x.nodeIndex);
        return { keyName: name, keyId: noteKeyId(name, g.genesis.nodes[x.nodeIndex - 1]!.publicKey), signature: x.noteSignature };
      });
    if (sigs.length > 0) note = formatSignedNote(text, sigs);
  } catch {
    /* verified above; a note without signatures is still the checkpoint text */
  }
  return { origin, genesisHash: g.hash, height, headerHash: s.headerHash, logSize: s.logSize, logRoot: s.logRoot, blockTimeMs: s.blockTimeMs, note };
}
