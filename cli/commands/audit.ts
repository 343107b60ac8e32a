/**
 * @module cli/commands/audit
 * `ledger audit --data DIR [--node N] | --node-dir DIR [--genesis FILE] [--level headers|merkle|full]
 *  [--checkpoint FILE] [--save-checkpoint FILE] [--json]` verifies a stopped node's chain (or a copy
 * of its folder) from the genesis (audit/audit.ts) and prints "verified up to height H" or the
 * first problem with its place, code, expected and found values. `--checkpoint FILE`: when the
 * file exists, prove the chain only grew since (RFC 9162 consistency proof); when everything
 * passed, the new checkpoint is written there (or to --save-checkpoint).
 * `ledger audit --compare DIR...` names the node copy that differs from the others, and where.
 * Exit 0 when verified, 1 on a finding, 2 on bad usage or unreadable input (cli/exit-codes.ts).
 */
import { registerAuditAccess } from './audit-access.js';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { audit, type AuditProgress, type AuditReport } from '../../audit/audit.js';
import { compareCopies, type CompareReport } from '../../audit/audit-compare.js';
import { LevelDbChainSource } from '../../audit/leveldb-source.js';
import { SignaturePool } from '../../consensus/signature-pool.js';
import { LedgerError } from '../../errors/ledger-error.js';
import { EXIT } from '../exit-codes.js';
import { loadGenesis, type LoadedGenesis } from '../../ledger/genesis.js';
import type { AnyDb } from '../../ledger/state-store.js';
import { checkpointFromJson, checkpointToJson, MAX_CHECKPOINT_BYTES, type AuditCheckpoint } from '../../verifier/audit-checkpoint.js';
import { AUDIT_LEVELS, type AuditFinding, type AuditLevel } from '../../verifier/audit-chain.js';
import { integerArg, toJsonText } from '../args.js';
import { openNodeDb, resolveNodePaths } from '../../consensus/node-store.js';
import { HttpChainSource } from '../../api/client.js';
import { apiSignerOf } from '../api-signer.js';
import { openScratchArea } from '../../replay/scratch-area.js';
import { replayProgressBar } from '../replay-progress.js';
import { checkPublishedReport, type ReportCheck } from '../../report/report-check.js';
import { MAX_REPORT_BYTES, parseReportJson } from '../../report/report-files.js';
import type { SharingReport } from '../../report/report-fold.js';
import type { ChainSource } from '../../verifier/audit-source.js';

interface AuditCliOptions {
  data?: string;
  node: number;
  nodeDir?: string;
  genesis?: string;
  level: string;
  checkpoint?: string;
  saveCheckpoint?: string;
  compare?: string[];
  workers?: number;
  json?: boolean;
  /** A running node's API (api/client.ts HttpChainSource) instead of a data folder. */
  api?: string;
  /** With --api on a node in the signed mode: the auditor's (or a node's) key and its keyid. */
  key?: string;
  keyid?: string;
  /** A published sharing report (JSON) to recompute from the chain (report/report-check.ts). */
  report?: string;
}

/** A file's text, refused over `maxBytes`; a file that cannot be read is FILE_UNREADABLE. */
function readTextFile(file: string, maxBytes: number): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new LedgerError('FILE_UNREADABLE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { path: file });
  }
  if (buf.length > maxBytes) throw new LedgerError('PAYLOAD_TOO_LARGE', `${file} is over ${maxBytes} bytes`, { path: file });
  return buf.toString('utf8');
}

function readPublishedReport(file: string): SharingReport {
  return parseReportJson(readTextFile(file, MAX_REPORT_BYTES), file);
}

/** Recomputes the published report when the chain itself verified (a report over a bad chain proves nothing). */
async function checkReportIfAsked(report: AuditReport, source: ChainSource, published: SharingReport | undefined): Promise<ReportCheck | undefined> {
  if (published === undefined || !report.ok) return undefined;
  return checkPublishedReport(source, published);
}

function readGenesis(file: string): LoadedGenesis {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new LedgerError('FILE_UNREADABLE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { path: file });
  }
  return loadGenesis(bytes);
}

function readCheckpoint(file: string): AuditCheckpoint {
  return checkpointFromJson(readTextFile(file, MAX_CHECKPOINT_BYTES), file);
}

function describe(f: AuditFinding): string[] {
  const place = [`height ${f.height}`, f.event !== undefined ? `event ${f.event}` : undefined, f.field !== undefined ? `field ${f.field}` : undefined].filter((x) => x !== undefined).join(', ');
  const lines = [`PROBLEM [${f.code}] at ${place}`, `  ${f.message}`];
  if (f.expected !== undefined) lines.push(`  expected ${f.expected}`);
  if (f.found !== undefined) lines.push(`  found    ${f.found}`);
  if (f.changedBy !== undefined) lines.push(`  last changed by event ${f.changedBy.eventId ?? '?'} at height ${f.changedBy.height}, index ${f.changedBy.index}`);
  return lines;
}

function summary(r: AuditReport, saved: string | undefined): string {
  const lines: string[] = [];
  if (r.ok) {
    lines.push(`verified up to height ${r.verifiedHeight} (level ${r.level}): ${r.events} events, log size ${r.logSize}, log root ${r.logRoot}, header ${r.headerHash} (${r.seconds.toFixed(1)} s, ${r.eventsPerSecond} events/s, ${r.cpuSeconds.toFixed(1)} CPU s${r.replay !== null ? `; replay ${r.replay.eventsPerSecond} events/s, ${r.replay.writes.perEvent} LevelDB writes per event` : ''})`);
  } else {
    lines.push(...describe(r.finding!));
    for (const f of r.findings) if (f !== r.finding) lines.push(`  also [${f.code}]${f.event !== undefined ? ` event ${f.event}` : ''}${f.field !== undefined ? ` ${f.field}` : ''}: ${f.message}`);
    lines.push(`verified up to height ${r.verifiedHeight} of ${r.head} (level ${r.level})`);
  }
  if (r.checkpoint?.consistency) {
    const c = r.checkpoint.consistency;
    lines.push(`checkpoint at height ${r.checkpoint.previousHeight}: RFC 9162 consistency from log size ${c.oldSize} to ${c.newSize}: ${c.ok ? 'proved (the chain only grew)' : `FAILED (${c.code})`} with ${c.proof.length} proof hashes`);
  }
  if (saved !== undefined) lines.push(`checkpoint saved to ${saved} (height ${r.newCheckpoint!.height}, log size ${r.newCheckpoint!.logSize})`);
  lines.push(`not checked: ${r.notChecked.join('; ')}`);
  return lines.join('\n');
}

function compareSummary(r: CompareReport): string {
  const lines = [`compared ${r.copies.map((c) => `${c.name} (head ${c.head})`).join(', ')}`];
  if (r.ok) lines.push(r.behind.length > 0 ? `the copies agree; behind (a prefix of the others): ${r.behind.join(', ')}` : 'the copies are identical (blocks, state, projections, Merkle log; commits not compared)');
  for (const d of r.differences) {
    lines.push(`DIFFERS [${d.code}] ${d.copy}${d.height !== undefined ? ` at height ${d.height}` : ''}${d.field !== undefined ? `, ${d.field}` : ''}`);
    lines.push(`  ${d.message}`);
    if (d.expected !== undefined) lines.push(`  the others ${d.expected}`);
    if (d.found !== undefined) lines.push(`  this copy  ${d.found}`);
  }
  return lines.join('\n');
}

/** A node folder (holding a LevelDB) or a stack folder (its nodes/<n>/ folders). */
function expandCopies(dirs: string[]): string[] {
  return dirs.flatMap((d) => {
    if (existsSync(join(d, 'CURRENT'))) return [resolve(d)];
    if (existsSync(join(d, 'db', 'CURRENT'))) return [resolve(d, 'db')];
    const nodes = join(d, 'nodes');
    if (existsSync(nodes)) {
      const dbOf = (n: string) => (existsSync(join(n, 'CURRENT')) ? n : join(n, 'db'));
      const found = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => dbOf(join(nodes, String(n)))).filter((n) => existsSync(join(n, 'CURRENT')));
      if (found.length > 0) return found.map((f) => resolve(f));
    }
    throw new LedgerError('FILE_UNREADABLE', `${d} holds no node database (nor nodes/<n>/ folders)`, { path: d });
  });
}

async function runCompare(opts: AuditCliOptions): Promise<void> {
  const dirs = expandCopies(opts.compare!);
  if (dirs.length < 2) throw new LedgerError('USAGE', '--compare needs at least two node folders (or a stack folder with two nodes)', {});
  const genesisFile = opts.genesis ?? (opts.data !== undefined ? join(opts.data, 'genesis.bin') : [join(dirs[0]!, '..', '..', 'genesis.bin'), join(dirs[0]!, '..', '..', '..', 'genesis.bin'), ...opts.compare!.map((d) => join(d, 'genesis.bin'))].find((f) => existsSync(f)));
  if (genesisFile === undefined) throw new LedgerError('FILE_UNREADABLE', 'no genesis found next to the folders; give --genesis FILE', {});
  const genesis = readGenesis(genesisFile);
  const dbs: AnyDb[] = [];
  try {
    for (const d of dirs) dbs.push(await openNodeDb(d));
    const label = (d: string) => (basename(d) === 'db' ? `node ${basename(join(d, '..'))}` : basename(join(d, '..')) === 'nodes' ? `node ${basename(d)}` : basename(d));
    const names = dirs.map((d) => (dirs.filter((x) => label(x) === label(d)).length > 1 ? d : label(d)));
    const report = await compareCopies(dirs.map((_, i) => ({ name: names[i]!, db: dbs[i]! })), genesis);
    process.stdout.write(opts.json ? `${toJsonText(report)}\n` : `${compareSummary(report)}\n`);
    if (!report.ok) process.exitCode = EXIT.FAILED_CHECK;
  } finally {
    for (const db of dbs) await db.close();
  }
}

/**
 * `ledger audit --api URL`: the chain read through the node's API (GET /v1/genesis, /v1/head,
 * /v1/blocks/{h}/raw). The API serves no state to replay, so `full` runs as `merkle` and the report
 * says so; without --genesis the genesis is the node's own, and the report says that too.
 */
async function runOverApi(opts: AuditCliOptions, requested: AuditLevel): Promise<void> {
  if (opts.data !== undefined || opts.nodeDir !== undefined) throw new LedgerError('USAGE', 'give --api URL or --data DIR / --node-dir DIR, not both', {});
  const source = new HttpChainSource(opts.api!, apiSignerOf(opts));
  const anchor = opts.genesis !== undefined ? readGenesis(opts.genesis) : undefined;
  const level: AuditLevel = requested === 'full' ? 'merkle' : requested;
  const previous = opts.checkpoint !== undefined && existsSync(opts.checkpoint) ? readCheckpoint(opts.checkpoint) : undefined;
  const pool = level === 'headers' ? undefined : new SignaturePool(opts.workers ?? availableParallelism());
  const published = opts.report !== undefined ? readPublishedReport(opts.report) : undefined;
  let report: AuditReport;
  let reportCheck: ReportCheck | undefined;
  // The pool's workers are unref'd and, between two HTTP reads, nothing else holds the event loop:
  // without this, Node would exit (code 13) while a block's signatures are on the workers.
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    report = await audit({ source, ...(anchor ? { anchor } : {}), level, pool, previous });
    reportCheck = await checkReportIfAsked(report, source, published);
  } finally {
    clearInterval(keepAlive);
    await pool?.close();
  }
  if (requested === 'full') report.notChecked.push(`level full needs the node's data folder (the API serves no state to replay): checked at level merkle over ${source.base}`);
  if (anchor === undefined) report.notChecked.push(`the genesis itself: taken from ${source.base} (give --genesis FILE, the trust anchor, to check it)`);
  finishAudit(report, opts, reportCheck);
}

export function registerAudit(program: Command): void {
  const auditCommand = program
    .command('audit')
    .description("verify a stopped node's chain (or a copy) from the genesis: headers, commits, events, signatures, roots, replay; checkpoints; --compare copies")
    .option('--data <dir>', 'the stack folder (genesis.bin, nodes/<n>/)')
    .option('--node <n>', 'the node index in --data', integerArg(1, 1000), 1)
    .option('--node-dir <dir>', "a node's own folder (instead of --data)")
    .option('--genesis <file>', 'the genesis (the trust anchor; default: <data>/genesis.bin, or two folders above --node-dir)')
    .option('--level <level>', `what to check: ${AUDIT_LEVELS.join(' | ')}`, 'full')
    .option('--checkpoint <file>', 'an earlier audit checkpoint to prove growth from (when it exists); the new checkpoint is written there')
    .option('--save-checkpoint <file>', 'write the new checkpoint here instead')
    .option('--compare <dirs...>', 'compare node folders (or stack folders): which copy differs, and where')
    .option('--workers <n>', 'signature worker threads (default: the cores)', integerArg(1, 64))
    .option('--api <url>', "a running node's API (e.g. http://127.0.0.1:7101) instead of a data folder: levels headers and merkle")
    .option('--key <file>', 'with --api on a node in the signed API mode: the auditor department\'s key file (README "Who may read what")')
    .option('--keyid <id>', 'with --key: department/<id>/<key version> (or node/<index>)')
    .option('--report <file>', 'a published sharing report (JSON, from `ledger report`): recompute every figure from the verified chain and name the first that differs')
    .option('--json', 'print the report as JSON')
    .action(async (opts: AuditCliOptions) => {
      if (opts.compare !== undefined) return runCompare(opts);
      if (!AUDIT_LEVELS.includes(opts.level as AuditLevel)) throw new LedgerError('USAGE', `--level must be one of ${AUDIT_LEVELS.join(', ')}, not "${opts.level}"`, { level: opts.level });
      const level = opts.level as AuditLevel;
      if (opts.api !== undefined) return runOverApi(opts, level);
      const { nodeDir, genesisFile } = resolveNodePaths(opts);
      const genesis = readGenesis(genesisFile);
      const previous = opts.checkpoint !== undefined && existsSync(opts.checkpoint) ? readCheckpoint(opts.checkpoint) : undefined;
      const published = opts.report !== undefined ? readPublishedReport(opts.report) : undefined;
      const db = await openNodeDb(nodeDir, { multithreading: true }); // the comparison's reader threads share it
      // the full level's replay goes to a scratch LevelDB beside the node's (else its `rebuild` sublevel)
      const scratch = level === 'full' ? await openScratchArea(nodeDir).catch(() => undefined) : undefined;
      const pool = level === 'headers' ? undefined : new SignaturePool(opts.workers ?? availableParallelism());
      const bar = replayProgressBar('audit', process.stderr.isTTY && !opts.json);
      const onProgress = (p: AuditProgress) => bar.update(p);
      let report: AuditReport;
      let reportCheck: ReportCheck | undefined;
      try {
        const source = new LevelDbChainSource(db, genesis.bytes);
        report = await audit({ source, anchor: genesis, level, db, ...(scratch !== undefined ? { area: scratch.db } : {}), pool, previous, onProgress });
        reportCheck = await checkReportIfAsked(report, source, published);
      } finally {
        bar.stop();
        await pool?.close();
        await scratch?.remove();
        await db.close();
      }
      finishAudit(report, opts, reportCheck);
    });
  registerAuditAccess(auditCommand);
}

/** Saves the new checkpoint when everything passed (atomically: write, then rename), prints the report, sets the exit code. */
function finishAudit(report: Parameters<typeof summary>[0], opts: { saveCheckpoint?: string; checkpoint?: string; json?: boolean; report?: string }, reportCheck?: ReportCheck): void {
  const target = opts.saveCheckpoint ?? opts.checkpoint;
  let saved: string | undefined;
  if (report.ok && report.newCheckpoint !== null && target !== undefined) {
    const tmp = `${target}.tmp`;
    writeFileSync(tmp, checkpointToJson(report.newCheckpoint));
    renameSync(tmp, target);
    saved = target;
  }
  if (opts.json) {
    process.stdout.write(`${toJsonText(opts.report !== undefined ? { ...report, publishedReport: reportCheck ?? null } : report)}\n`);
  } else {
    const lines = [summary(report, saved)];
    if (reportCheck !== undefined) lines.push(reportCheck.ok ? `report ${opts.report}: ${reportCheck.message}` : `REPORT PROBLEM [${reportCheck.code}] in ${opts.report}: ${reportCheck.message}`);
    else if (opts.report !== undefined) lines.push(`report ${opts.report}: not recomputed (the chain did not verify)`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (!report.ok || (reportCheck !== undefined && !reportCheck.ok)) process.exitCode = EXIT.FAILED_CHECK;
}
