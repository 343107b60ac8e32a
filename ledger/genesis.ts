/**
 * @module ledger/genesis
 * Block 0 (DESIGN.md section 7): channel, authority departments and keys, node keys, quorum,
 * limits, batch timeout, heartbeat interval, rules version. Genesis hash = SHA-256(
 * "ledger:genesis:v1" || its bytes): the readers' trust anchor. Pure (the verifier loads it).
 */
import { decode, encode } from '../proto/codec.js';
import { DEFAULT_LIMITS, isIdentifier, type DecodeLimits } from '../proto/limits.js';
import type { Genesis, Limits } from '../proto/schema.generated.js';
import { toHex } from './bytes.js';
import { isAcceptablePublicKeyPure } from './ed25519-rule.js';
import { LedgerError } from '../errors/ledger-error.js';
import { genesisHash } from './hash.js';

/** The rules version this build implements; a node that meets another halts (DESIGN.md section 7). */
export const RULES_VERSION = 1;

export const DEFAULT_BATCH_TIMEOUT_MS = 200n;
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000n;

export interface GenesisInput {
  channel: string;
  authorities: Array<{ departmentId: string; name: string; publicKey: Uint8Array }>;
  /** Node public keys; node i (1-based) is the i-th. */
  nodes: Uint8Array[];
  quorum: number;
  limits?: Partial<DecodeLimits>;
  batchTimeoutMs?: bigint;
  heartbeatIntervalMs?: bigint;
  /** Outside witnesses (C2SP tlog-witness): note key name, Ed25519 cosigner key, submission URL. */
  witnesses?: Array<{ name: string; publicKey: Uint8Array; url: string }>;
  /** How many of them a reader requires by default (1..witnesses; 0 without witnesses). */
  witnessQuorum?: number;
}

export interface LoadedGenesis {
  genesis: Genesis;
  bytes: Uint8Array;
  hash: Uint8Array;
  limits: DecodeLimits;
}

export function limitsOf(genesis: Genesis): DecodeLimits {
  const l = genesis.limits!;
  return {
    maxRecordBytes: l.maxRecordBytes,
    maxIdBytes: l.maxIdBytes,
    maxStringBytes: l.maxStringBytes,
    maxListEntries: l.maxListEntries,
    maxBlockEvents: l.maxBlockEvents,
    maxBlockBytes: l.maxBlockBytes,
  };
}

/** Every problem with a genesis, as readable sentences (empty when it is valid). */
export function genesisProblems(g: Genesis): string[] {
  const p: string[] = [];
  if (!isIdentifier(g.channel)) p.push('channel must be an identifier of A-Z a-z 0-9 . _ : - (at most 64 bytes)');
  if (g.authorities.length === 0) p.push('at least one authority is needed');
  const ids = new Set<string>();
  g.authorities.forEach((a, i) => {
    if (!isIdentifier(a.departmentId)) p.push(`authority ${i + 1}: department id "${a.departmentId}" is not an identifier`);
    if (ids.has(a.departmentId)) p.push(`authority ${i + 1}: department id ${a.departmentId} appears twice`);
    ids.add(a.departmentId);
    if (!isAcceptablePublicKeyPure(a.publicKey)) p.push(`authority ${a.departmentId}: public key is not acceptable (canonical, not of small order)`);
  });
  const n = g.nodes.length;
  if (n === 0) p.push('at least one node is needed');
  const keys = new Set<string>();
  g.nodes.forEach((node, i) => {
    if (node.index !== i + 1) p.push(`node ${i + 1}: index is ${node.index}; nodes are numbered 1..n in order`);
    if (!isAcceptablePublicKeyPure(node.publicKey)) p.push(`node ${i + 1}: public key is not acceptable (canonical, not of small order)`);
    const hex = toHex(node.publicKey);
    if (keys.has(hex)) p.push(`node ${i + 1}: the same key as another node`);
    keys.add(hex);
  });
  // DESIGN.md section 1: n/2 < q <= n
  if (!(2 * g.quorum > n && g.quorum <= n)) p.push(`quorum ${g.quorum} must satisfy n/2 < q <= n for n = ${n}`);
  const l = g.limits;
  if (l === undefined) p.push('limits are missing');
  else {
    if (l.maxRecordBytes < 256 || l.maxRecordBytes > 1 << 20) p.push('max_record_bytes must be within 256 .. 1 MiB');
    if (l.maxIdBytes < 8 || l.maxIdBytes > 255) p.push('max_id_bytes must be within 8 .. 255');
    if (l.maxStringBytes < 16 || l.maxStringBytes > 4096) p.push('max_string_bytes must be within 16 .. 4096');
    if (l.maxListEntries < 1 || l.maxListEntries > 1024) p.push('max_list_entries must be within 1 .. 1024');
    if (l.maxBlockEvents < 1 || l.maxBlockEvents > 100_000) p.push('max_block_events must be within 1 .. 100000');
    if (l.maxBlockBytes < l.maxRecordBytes || l.maxBlockBytes > 64 << 20) p.push('max_block_bytes must be within max_record_bytes .. 64 MiB');
  }
  if (g.batchTimeoutMs < 1n) p.push('batch timeout must be at least 1 ms');
  if (g.heartbeatIntervalMs < g.batchTimeoutMs) p.push('heartbeat interval must be at least the batch timeout');
  const names = new Set<string>();
  g.witnesses.forEach((w, i) => {
    // a signed-note key name: non-empty, no spaces and no '+' (C2SP signed-note)
    if (w.name === '' || w.name.length > 256 || /[\s+\u0000-\u001f]/.test(w.name)) p.push(`witness ${i + 1}: name "${w.name.slice(0, 80)}" is empty or holds spaces or +`);
    if (names.has(w.name)) p.push(`witness ${i + 1}: the name ${w.name} appears twice`);
    names.add(w.name);
    if (!isAcceptablePublicKeyPure(w.publicKey)) p.push(`witness ${w.name}: public key is not acceptable (canonical, not of small order)`);
    if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(w.url) || w.url.length > 256) p.push(`witness ${w.name}: url "${w.url.slice(0, 80)}" is not an http(s) URL`);
  });
  if (g.witnesses.length === 0 ? g.witnessQuorum !== 0 : g.witnessQuorum < 1 || g.witnessQuorum > g.witnesses.length) {
    p.push(`witness quorum ${g.witnessQuorum} must be 1..${g.witnesses.length} (0 without witnesses)`);
  }
  if (g.rulesVersion !== RULES_VERSION) p.push(`rules version ${g.rulesVersion} is not implemented by this build (${RULES_VERSION})`);
  return p;
}

/**
 * Builds and checks a genesis.
 * @throws LedgerError BAD_ARGUMENT listing every problem
 */
export function createGenesis(input: GenesisInput): LoadedGenesis {
  const limits: Limits = { ...DEFAULT_LIMITS, ...(input.limits ?? {}) };
  const genesis: Genesis = {
    channel: input.channel,
    authorities: input.authorities.map((a) => ({ departmentId: a.departmentId, name: a.name, publicKey: a.publicKey })),
    nodes: input.nodes.map((publicKey, i) => ({ index: i + 1, publicKey })),
    quorum: input.quorum,
    limits,
    batchTimeoutMs: input.batchTimeoutMs ?? DEFAULT_BATCH_TIMEOUT_MS,
    heartbeatIntervalMs: input.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    rulesVersion: RULES_VERSION,
    witnesses: (input.witnesses ?? []).map((w) => ({ name: w.name, publicKey: w.publicKey, url: w.url })),
    witnessQuorum: input.witnessQuorum ?? (input.witnesses?.length ? 1 : 0),
  };
  const problems = genesisProblems(genesis);
  if (problems.length > 0) throw new LedgerError('BAD_ARGUMENT', `invalid genesis: ${problems.join('; ')}`, { problems });
  const bytes = encode('Genesis', genesis);
  return { genesis, bytes, hash: genesisHash(bytes), limits: limitsOf(genesis) };
}

/**
 * Decodes and checks a genesis (the trust anchor) from its bytes.
 * @throws LedgerError MALFORMED / NON_CANONICAL (bad bytes) or BAD_ARGUMENT (invalid content)
 */
export function loadGenesis(bytes: Uint8Array): LoadedGenesis {
  // Decode with generous list limits: the genesis sets the limits for everything else.
  const genesis = decode('Genesis', bytes, { ...DEFAULT_LIMITS, maxListEntries: 1024 });
  const problems = genesisProblems(genesis);
  if (problems.length > 0) throw new LedgerError('BAD_ARGUMENT', `invalid genesis: ${problems.join('; ')}`, { problems });
  return { genesis, bytes, hash: genesisHash(bytes), limits: limitsOf(genesis) };
}
