/**
 * @module cli/commands/proof
 * `ledger proof (--cert ID | --grant ID) --data DIR [--node N] --out FILE [--format json|binary|qr]`
 * writes a proof bundle (DESIGN.md section 10; docs/proof-format.md) from a stopped node's data
 * folder; `ledger verify FILE --anchor GENESIS [...]` checks one offline with the pure verifier
 * (verifier/bundle-verify.ts) and exits with the verdict's code (cli/exit-codes.ts VERDICT_EXIT).
 *
 * Where a bundle comes from is a BundleFetcher chosen by `bundleFetcherFor`: today the node's
 * LevelDB (`--data`/`--node-dir`); a second source (e.g. `--api URL`) is one more fetcher there.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { attachWitnessed } from '../../proofs/bundle-witnessed.js';
import { readWitnessed } from '../../witness/node-witnessing.js';
import type { Command } from 'commander';
import { buildProofBundle, type BundleTarget } from '../../proofs/bundle-builder.js';
import { tryFromHex } from '../../ledger/bytes.js';
import { LedgerError } from '../../errors/ledger-error.js';
import { VERDICT_EXIT } from '../exit-codes.js';
import { loadGenesis } from '../../ledger/genesis.js';
import { sha256 } from '../../ledger/hash.js';
import type { CertificateSummary } from '../../verifier/bundle-types.js';
import { bundleFromJson, bundleToJson, certificateTypeLabel, DEFAULT_MAX_AGE_MS, MAX_BUNDLE_BYTES, verifyBundle, type VerifyOptions, type VerifyResult } from '../../verifier/bundle-verify.js';
import { QR_MAX_BYTES, writeBundle } from '../../proofs/bundle-files.js';
import { bigintArg, collect, durationArg, identifierArg, integerArg, toJsonText } from '../args.js';
import { openNodeDb, openNodeStores, resolveNodePaths } from '../../consensus/node-store.js';
import { ApiClient } from '../../api/client.js';
import { COSIGNER_KEY_TYPE, parseVerifierKey, type VerifierKey } from '../../ledger/witness-cosignature.js';
import { anchorWitnessPolicy } from '../../verifier/witness-check.js';


/** Produces a binary bundle for a target; one per bundle source. */
export type BundleFetcher = (target: BundleTarget, options: { fromLogSize?: bigint; witnessed?: boolean }) => Promise<Uint8Array>;

export interface ProofCliOptions {
  cert?: string;
  grant?: string;
  data?: string;
  node: number;
  nodeDir?: string;
  genesis?: string;
  out: string;
  format: string;
  fromLogSize?: bigint;
  force?: boolean;
  /** Add the outside witnesses' cosignatures (issue 23). */
  witnessed?: boolean;
  /** Added by the API branch: a node's base URL. */
  api?: string;
}

function readFileBytes(path: string, what: string, max = 64 << 20): Uint8Array {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch (e) {
    throw new LedgerError('FILE_UNREADABLE', `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { path });
  }
  if (b.length > max) throw new LedgerError('PAYLOAD_TOO_LARGE', `${what} ${path} is ${b.length} bytes; the limit is ${max}`, { path });
  if (b.length === 0) throw new LedgerError('FILE_UNREADABLE', `${what} ${path} is empty`, { path });
  return new Uint8Array(b);
}

/** A fetcher over a stopped node's LevelDB (`--data DIR [--node N]` or `--node-dir DIR`). */
export function localBundleFetcher(opts: { data?: string; node: number; nodeDir?: string; genesis?: string }): BundleFetcher {
  return async (target, options) => {
    const { nodeDir, genesisFile } = resolveNodePaths(opts);
    const genesis = loadGenesis(readFileBytes(genesisFile, 'the genesis'));
    const db = await openNodeDb(nodeDir);
    try {
      const stores = await openNodeStores(db, genesis);
      const bundle = await buildProofBundle({ genesis, ...stores }, target, options);
      if (!options.witnessed) return bundle;
      // the node keeps its witnessed checkpoints beside its database (witness/node-witnessing.ts)
      const note = readWitnessed(basename(nodeDir) === 'db' ? dirname(nodeDir) : nodeDir).quorum?.note;
      if (note === undefined) throw new LedgerError('NOT_FOUND', `no checkpoint of this node reached the witness quorum (${genesis.genesis.witnessQuorum}); is the node's genesis naming witnesses?`, {});
      return await attachWitnessed(bundle, note, genesis, (o, n) => stores.merkle.consistencyProof(o, n));
    } finally {
      await db.close();
    }
  };
}

/** Chooses the bundle source from the options (a second source adds one branch here). */
export function bundleFetcherFor(opts: ProofCliOptions): BundleFetcher {
  if (opts.api !== undefined) {
    if (opts.data !== undefined || opts.nodeDir !== undefined) throw new LedgerError('USAGE', 'give --api URL or --data DIR / --node-dir DIR, not both', {});
    // a running node's API (api/routes-bundles.ts)
    const client = new ApiClient(opts.api);
    return (target, options) => client.bundle(target, options);
  }
  if (opts.data === undefined && opts.nodeDir === undefined) throw new LedgerError('USAGE', 'give --data DIR (with --node N) or --node-dir DIR', {});
  return localBundleFetcher(opts);
}

/** The bundle's target from --cert / --grant (exactly one). */
export function targetOf(opts: { cert?: string; grant?: string }): BundleTarget {
  if ((opts.cert === undefined) === (opts.grant === undefined)) throw new LedgerError('USAGE', 'give exactly one of --cert ID or --grant ID', {});
  return opts.cert !== undefined ? { kind: 'certificate', id: opts.cert } : { kind: 'grant', id: opts.grant! };
}

/** Reads a bundle file in either form: the JSON view (text starting with `{`) or binary. */
export function readBundleFile(path: string): { bundle: Uint8Array; format: 'json' | 'binary' } | { error: string } {
  const raw = readFileBytes(path, 'the bundle', 4 * MAX_BUNDLE_BYTES);
  let i = 0;
  while (i < raw.length && (raw[i] === 0x20 || raw[i] === 0x0a || raw[i] === 0x0d || raw[i] === 0x09)) i++;
  if (raw[i] === 0x7b) {
    try {
      return { bundle: bundleFromJson(new TextDecoder().decode(raw)), format: 'json' };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
  if (raw[0] === 0x89 && raw[1] === 0x50) return { error: 'this is a PNG image: scan the QR code and give its bytes (binary) instead' };
  return { bundle: raw, format: 'binary' };
}

interface VerifyCliOptions {
  anchor: string;
  /** Undefined: the default (DEFAULT_MAX_AGE_MS); 'none': no maximum age, asked for explicitly. */
  maxAge?: bigint | 'none';
  holder?: string;
  holderSalt?: string;
  disclose?: string;
  document?: string;
  fields?: string;
  cert?: string;
  grant?: string;
  checkpoint?: string;
  now?: bigint;
  json?: boolean;
  witness?: VerifierKey[];
  witnessQuorum?: number;
}

/** `--witness VKEY`: a cosigner verifier key (signed-note vkey of type 0x04). */
function witnessArg(value: string): VerifierKey {
  const key = parseVerifierKey(value, '--witness');
  if (key.keyType !== COSIGNER_KEY_TYPE) throw new LedgerError('BAD_ARGUMENT', `--witness ${key.name}: a witness key has signature type 0x04 (cosignature/v1), not 0x${key.keyType.toString(16)}`, { parameter: 'witness' });
  return key;
}

/**
 * The reader's witness policy (issue 23): `--witness VKEY...` with `--witness-quorum k` (default:
 * all of them), or `--witness-quorum k` alone for the witnesses the anchor names.
 */
function witnessPolicyOf(opts: VerifyCliOptions, anchor: Uint8Array): VerifyOptions['witnesses'] {
  if (opts.witness === undefined) {
    if (opts.witnessQuorum === undefined) return undefined;
    const fromAnchor = anchorWitnessPolicy(loadGenesis(anchor).genesis);
    if (fromAnchor === undefined) throw new LedgerError('USAGE', '--witness-quorum without --witness takes the anchor\'s witnesses, and this genesis names none: give --witness VKEY', {});
    if (opts.witnessQuorum > fromAnchor.witnesses.length) throw new LedgerError('USAGE', `--witness-quorum ${opts.witnessQuorum}: the anchor names ${fromAnchor.witnesses.length} witness(es)`, {});
    return { witnesses: fromAnchor.witnesses, quorum: opts.witnessQuorum };
  }
  const quorum = opts.witnessQuorum ?? opts.witness.length;
  if (quorum > opts.witness.length) throw new LedgerError('USAGE', `--witness-quorum ${quorum} is more than the ${opts.witness.length} --witness key(s) given`, {});
  return { witnesses: opts.witness, quorum };
}

function verifyOptionsOf(opts: VerifyCliOptions): VerifyOptions {
  const o: VerifyOptions = { nowMs: opts.now ?? BigInt(Date.now()) };
  // fresh by default (issue 24): a year-old VALID is STALE unless the reader says --max-age none
  if (opts.maxAge !== 'none') o.maxAgeMs = opts.maxAge ?? DEFAULT_MAX_AGE_MS;
  if ((opts.holder === undefined) !== (opts.holderSalt === undefined)) throw new LedgerError('USAGE', '--holder and --holder-salt go together', {});
  if (opts.holder !== undefined) {
    const salt = tryFromHex(opts.holderSalt!);
    if (salt === undefined || salt.length !== 32) throw new LedgerError('BAD_ARGUMENT', '--holder-salt must be 64 hex characters (32 bytes)', {});
    o.holder = { id: opts.holder, salt };
  }
  if (opts.disclose !== undefined) {
    const text = new TextDecoder().decode(readFileBytes(opts.disclose, 'the disclosure', 1 << 20));
    try {
      o.disclosed = JSON.parse(text);
    } catch (e) {
      throw new LedgerError('BAD_ARGUMENT', `${opts.disclose} is not JSON: ${(e as Error).message}`, { path: opts.disclose });
    }
  }
  if (opts.document !== undefined) o.documentSha256 = sha256(readFileBytes(opts.document, 'the document', 1 << 30));
  if (opts.fields !== undefined) o.fields = opts.fields.split(',').map((f) => f.trim()).filter((f) => f !== '');
  if (opts.cert !== undefined || opts.grant !== undefined) {
    const t = targetOf(opts);
    o.subject = { kind: t.kind, id: t.id };
  }
  if (opts.checkpoint !== undefined) {
    const m = /^(\d+):([0-9a-fA-F]{64})$/.exec(opts.checkpoint);
    if (!m) throw new LedgerError('BAD_ARGUMENT', '--checkpoint must be SIZE:ROOT (the log size in decimal, the log root in 64 hex characters)', {});
    o.checkpoint = { logSize: BigInt(m[1]!), logRoot: tryFromHex(m[2]!)! };
  }
  return o;
}

const time = (ms: string): string => {
  const n = Number(ms);
  return Number.isFinite(n) && n > 0 && n < 8.64e15 ? `${new Date(n).toISOString()} (${ms})` : ms;
};

/** `--max-age`: a duration, or `none` (no maximum age, explicitly). */
export function maxAgeArg(value: string): bigint | 'none' {
  return value.trim() === 'none' ? 'none' : durationArg(value);
}

/** The maximum age applied, in words: what the reader must know the verdict rests on. */
export function describeMaxAge(maxAge: bigint | 'none' | undefined): string {
  if (maxAge === 'none') return '  maximum age: none (--max-age none): an old status is accepted';
  const ms = maxAge ?? DEFAULT_MAX_AGE_MS;
  const words = ms % 3_600_000n === 0n ? `${ms / 3_600_000n} h` : `${ms} ms`;
  return `  maximum age: ${words}${maxAge === undefined ? ' (the default; --max-age changes it, --max-age none turns it off)' : ''}`;
}

/**
 * The encumbrance lines (他项权利, issue 24), Chinese first: a seizure as a warning a lender
 * cannot miss, then each mortgage with its rank, creditor, amount and date.
 */
function encumbranceLines(s: CertificateSummary): string[] {
  const lines: string[] = [];
  for (const e of s.encumbrances.filter((x) => x.kind === 'SEIZURE')) {
    lines.push(`  !!! 已查封 SEIZED (轮候 rank ${e.rank}) by ${e.rightHolderDepartmentId}, 案号 ${e.caseNumber}, since ${time(e.sinceMs)}: 不得过户或抵押 — do not lend on it`);
  }
  for (const e of s.encumbrances.filter((x) => x.kind === 'MORTGAGE')) {
    lines.push(`  已设定抵押 MORTGAGED (顺位 rank ${e.rank}) to ${e.rightHolderDepartmentId}${e.amountYuan !== '0' ? `, ${e.amountYuan} 元` : ''}, since ${time(e.sinceMs)}`);
  }
  if (s.encumbrances.length === 0) lines.push('  他项权利 encumbrances: 无 none');
  if (s.transferredAtMs !== '0') lines.push(`  已转移 last transferred at ${time(s.transferredAtMs)}`);
  return lines;
}

/** The human-readable report of a verification. */
export function describeResult(r: VerifyResult, maxAge?: bigint | 'none' | undefined): string {
  const lines = [`${r.verdict}  ${r.subject.kind} ${r.subject.id}`];
  for (const x of r.reasons) lines.push(`  ${x.code}: ${x.code === 'SUPERSEDED' ? supersededWords(r, x.message) : x.message}`);
  for (const x of r.notes) lines.push(`  ${x.code} (${x.message})`);
  const s = r.summary;
  if (s?.kind === 'certificate') {
    lines.push(...encumbranceLines(s));
    lines.push(`  type ${certificateTypeLabel(s)}, issuer ${s.issuerDepartmentId}${s.issuerName ? ` (${s.issuerName})` : ''}${s.issuerSuspended ? ' [suspended]' : ''}, status ${s.status}${s.revocationReason ? ` (${s.revocationReason})` : ''}`);
    lines.push(`  valid until ${s.validUntilMs === '0' ? 'no expiry' : time(s.validUntilMs)}; attributes ${s.attributeNames.join(', ') || '(none)'}`);
  } else if (s?.kind === 'grant') {
    lines.push(`  grantee ${s.granteeDepartmentId}${s.granteeName ? ` (${s.granteeName})` : ''}, grantor ${s.grantorDepartmentId || '(none)'}${s.grantorName ? ` (${s.grantorName})` : ''}, resource ${s.resourceId}, status ${s.status}`);
    lines.push(`  fields ${s.grantedFields.join(', ') || '(none)'}; window ${time(s.validFromMs)} .. ${time(s.validUntilMs)}; uses ${s.uses}${s.usesLeft === null ? ' (no limit)' : `, ${s.usesLeft} left`}`);
  }
  if (r.header !== undefined) {
    lines.push(`  header ${r.header.height} at ${time(r.header.blockTimeMs)}, signed by node(s) ${r.header.signers.join(', ')}; hash ${r.header.headerHash}`);
  }
  if (r.header !== undefined) lines.push(describeMaxAge(maxAge));
  const c = r.checks;
  lines.push(`  checked: holder ${c.holder}, attributes ${c.attributes}, document ${c.document}, fields ${c.fields}, consistency ${c.consistency}, witnesses ${c.witnesses}`);
  if (c.witnesses === 'not-checked') lines.push('  witnesses were not checked (no --witness / --witness-quorum policy)');
  else if (r.witnesses !== undefined && r.witnesses.length > 0) lines.push(`  cosigned by witness(es) ${r.witnesses.join(', ')}`);
  if (r.disclosed !== undefined) for (const [k, v] of Object.entries(r.disclosed)) lines.push(`  disclosed ${k} = ${v}`);
  return lines.join('\n');
}

/** SUPERSEDED in a clerk's words: the certificate changed hands at this time. */
function supersededWords(r: VerifyResult, message: string): string {
  const s = r.summary;
  if (s?.kind !== 'certificate' || s.transferredAtMs === '0') return message;
  return `证书已于 ${time(s.transferredAtMs)} 转移登记给他人，出示人不再是权利人 — the certificate was transferred to another holder at ${time(s.transferredAtMs)}; the person checked held it before and no longer does`;
}

/**
 * What `ledger proof` adds after writing a bundle: a note when the record is absent. A bundle is of
 * an absent record exactly when it carries no defining event (docs/proof-format.md section 1); the
 * compact form carries no record field for a present certificate, so the record field cannot tell.
 */
export function writtenBundleNote(bundle: Uint8Array): string {
  const view = bundleToJson(bundle) as Record<string, unknown>;
  return view.event === undefined ? '; the record is absent: the bundle proves its absence' : '';
}

/**
 * A wrong trust anchor is the reader's mistake, not a verdict on the certificate (issue 17): a
 * usage error (exit 2) before any bundle is read.
 */
function requireGenesis(anchor: Uint8Array, path: string): void {
  try {
    loadGenesis(anchor);
  } catch (e) {
    throw new LedgerError('USAGE', `--anchor ${path}: this file is not a genesis (${(e as Error).message}); give the chain's genesis.bin`, { path });
  }
}

export function registerProof(program: Command): void {
  program
    .command('proof')
    .description("write a proof bundle of a certificate or a share grant from a stopped node's data folder or a running node's API (--api), for offline verification")
    .option('--cert <id>', 'the certificate id', identifierArg)
    .option('--grant <id>', 'the grant id (its request id)', identifierArg)
    .option('--data <dir>', 'the stack folder (genesis.bin, nodes/<n>/)')
    .option('--node <n>', 'the node index in --data', integerArg(1, 1000), 1)
    .option('--node-dir <dir>', "a node's own folder (instead of --data)")
    .option('--genesis <file>', 'the genesis file (default: <data>/genesis.bin)')
    .option('--api <url>', "a running node's API (e.g. http://127.0.0.1:7101) instead of a data folder")
    .requiredOption('--out <file>', 'where to write the bundle')
    .option('--format <format>', 'json, binary or qr (PNG, or SVG when --out ends in .svg)', 'json')
    .option('--from-log-size <n>', 'add a consistency proof from this log size (a checkpoint the reader trusts)', bigintArg(1n))
    .option('--witnessed', "add the outside witnesses' cosignatures of a checkpoint covering the header (the genesis names the witnesses)")
    .option('--force', 'overwrite an existing file')
    .action(async (opts: ProofCliOptions) => {
      const target = targetOf(opts);
      if (!['json', 'binary', 'qr'].includes(opts.format)) throw new LedgerError('USAGE', `--format must be json, binary or qr, not ${opts.format}`, {});
      const fetch = bundleFetcherFor(opts);
      const bundle = await fetch(target, { ...(opts.fromLogSize !== undefined ? { fromLogSize: opts.fromLogSize } : {}), ...(opts.witnessed ? { witnessed: true } : {}) });
      const what = await writeBundle(bundle, opts.out, opts.format, opts.force);
      process.stdout.write(`${opts.out}: ${target.kind} ${target.id}, ${what}${writtenBundleNote(bundle)}\n`);
    });

  program
    .command('verify')
    .description('verify a proof bundle offline against the trust anchor (the genesis); exit code = verdict')
    .argument('<file>', 'the bundle (binary, or its JSON view)')
    .requiredOption('--anchor <genesis>', 'the genesis file: the trust anchor')
    .option('--max-age <duration>', `maximum status age (e.g. 1d, 12h; default ${DEFAULT_MAX_AGE_MS / 3_600_000n}h; none = no maximum, explicitly): an older header is STALE`, maxAgeArg)
    .option('--holder <id>', "the holder's id (with --holder-salt): checked against the holder commitment")
    .option('--holder-salt <hex>', "the holder's salt (64 hex characters)")
    .option('--disclose <file>', 'a disclosure (ledger disclose): checked against the attributes root')
    .option('--document <file>', "a document file (e.g. the OFD): its SHA-256 is checked against the certificate's")
    .option('--fields <list>', 'comma-separated fields a grant must cover')
    .option('--cert <id>', 'the certificate id asked about (the bundle must be about it)', identifierArg)
    .option('--grant <id>', 'the grant id asked about (the bundle must be about it)', identifierArg)
    .option('--checkpoint <size:root>', "a checkpoint the reader trusts: the bundle's consistency proof from it is checked")
    .option('--now <ms>', "the reader's time in ms since the epoch (default: this machine's clock)", bigintArg())
    .option('--witness <vkey>', 'a witness the reader trusts, as its cosigner verifier key (name+keyid+base64; repeatable)', collect(witnessArg))
    .option('--witness-quorum <k>', 'how many witnesses must have cosigned a checkpoint covering the header (default: every --witness; alone: of the anchor\'s witnesses)', integerArg(1, 64))
    .option('--json', 'print the result as JSON')
    .action((file: string, opts: VerifyCliOptions) => {
      const anchor = readFileBytes(opts.anchor, 'the anchor', 1 << 20);
      requireGenesis(anchor, opts.anchor);
      const options = verifyOptionsOf(opts);
      const witnesses = witnessPolicyOf(opts, anchor);
      if (witnesses !== undefined) options.witnesses = witnesses;
      const read = readBundleFile(file);
      const result: VerifyResult =
        'error' in read
          ? { verdict: 'INVALID', reasons: [{ code: 'MALFORMED', message: read.error }], notes: [], subject: { kind: 'certificate', id: '' }, checks: { holder: 'not-checked', attributes: 'not-checked', document: 'not-checked', fields: 'not-checked', consistency: 'not-checked', witnesses: 'not-checked' } }
          : verifyBundle(read.bundle, anchor, options);
      const maxAgeMs = opts.maxAge === 'none' ? null : (opts.maxAge ?? DEFAULT_MAX_AGE_MS);
      process.stdout.write(opts.json ? `${toJsonText({ ...result, maxAgeMs })}\n` : `${describeResult(result, opts.maxAge)}\n`);
      process.exitCode = VERDICT_EXIT[result.verdict];
    });
}
