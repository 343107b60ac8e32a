/**
 * @module verifier/audit-chain
 * The auditor's block-by-block check of a chain from the genesis (DESIGN.md sections 7 and 8),
 * levels `headers` and `merkle` (the `full` level adds the replay: audit/audit.ts). Pure: it
 * never trusts a stored hash, recomputes everything it can from the stored bytes, and returns
 * findings (a stable code, the height, the event index and field, expected and found values)
 * instead of throwing.
 *
 * headers: the block and commit decode canonically; genesis hash, channel, height, rules version;
 *   previous header hash = the hash recomputed from the previous header's bytes (the genesis hash
 *   for block 1); the commit is for the recomputed header hash and holds at least q signatures of
 *   distinct genesis nodes over the vote message, every signature present verifying (and every
 *   C2SP note signature over the header's checkpoint text); offsets contiguous with the previous
 *   block; block time never decreasing; event_count + dropped_count within the covered offsets.
 * merkle: every event's body decodes; its id is re-hashed from the stored body; its signature is
 *   verified under the key of its department and key version (keys tracked from the genesis
 *   authorities and the OK registrations and rotations, in chain order); offsets and record times
 *   lie within the block; the results root, log size and log root (RFC 9162, over all event ids
 *   from the genesis) are recomputed and compared with the header.
 *
 * NOT recomputable from a block (said in the report): `records_digest` and `dropped_count` cover
 * raw Kafka records (dropped ones and time-to-cut markers) that no block stores; `block_time_ms`,
 * `first_offset` and `last_offset` are only bounded (by the events' offsets and record times and
 * by the neighbouring blocks).
 */
import { resultLeafData } from '../ledger/block.js';
import { voteMessage } from '../ledger/block.js';
import { bytesEqual, toHex, utf8 } from '../ledger/bytes.js';
import { checkpointOrigin, checkpointText } from '../ledger/checkpoint.js';
import type { LoadedGenesis } from '../ledger/genesis.js';
import { eventId, headerHash } from '../ledger/hash.js';
import { EMPTY_ROOT, leafHash, MerkleFrontier } from '../ledger/merkle-hash.js';
import { rootHash } from '../ledger/merkle.js';
import { RESULT, resultName } from '../ledger/result-codes.js';
import { decode, encode } from '../proto/codec.js';
import type { Block, BlockHeader, Commit, EventBody } from '../proto/schema.generated.js';

export type AuditLevel = 'headers' | 'merkle' | 'full';
export const AUDIT_LEVELS: readonly AuditLevel[] = ['headers', 'merkle', 'full'];

/** The auditor's finding codes: stable, never renamed or reused (append new ones). */
export const AUDIT_CODES = {
  GENESIS_MISMATCH: 'the genesis (or a header\'s genesis_hash) is not the trust anchor',
  BLOCK_MISSING: 'a block below the head is missing',
  BLOCK_MALFORMED: 'a stored block does not decode canonically',
  COMMIT_MISSING: 'a block has no commit',
  COMMIT_MALFORMED: 'a stored commit does not decode canonically, or is for another height',
  HEIGHT_MISMATCH: 'a header\'s height is not the height it is stored at',
  CHANNEL_MISMATCH: 'a header\'s channel is not the genesis channel',
  RULES_VERSION_UNKNOWN: 'a header names another rules version than its genesis',
  CHAIN_BROKEN: 'previous_header_hash is not the hash of the previous header',
  HEADER_NOT_COMMITTED: 'the header\'s recomputed hash is not the hash the commit signs (the header was changed)',
  COMMIT_SIGNER_UNKNOWN: 'a commit signature names a node that is not in the genesis, or twice',
  COMMIT_SIGNATURE_INVALID: 'a commit signature (vote or note) does not verify under its genesis node key',
  QUORUM_NOT_MET: 'fewer than q distinct genesis nodes signed the header',
  OFFSETS_INVALID: 'Kafka offsets out of order, outside the block, or not contiguous with the previous block',
  COUNTS_INVALID: 'event_count differs from the events stored, or event_count + dropped_count exceed the covered offsets',
  BLOCK_TIME_INVALID: 'block or record times go backwards or outside the block',
  EVENT_MALFORMED: 'a stored event does not decode canonically',
  EVENT_SIGNER_UNKNOWN: 'an event is signed by a department or key version the chain never registered',
  EVENT_SIGNATURE_INVALID: 'an event\'s signature does not verify over its recomputed id',
  RESULTS_ROOT_MISMATCH: 'the results root recomputed from the events differs from the header',
  LOG_SIZE_MISMATCH: 'the log size counted from the genesis differs from the header',
  LOG_ROOT_MISMATCH: 'the RFC 9162 log root recomputed from the genesis differs from the header',
  RESULT_MISMATCH: 'replaying the rules gives another fate for an event than the block stores',
  STATE_ROOT_MISMATCH: 'replaying the rules gives another state root than the header',
  STATE_MISMATCH: 'a stored state record (or tree node, event index) differs from the replay',
  PROJECTION_MISMATCH: 'a stored projection record differs from the replay',
  HEAD_MISMATCH: 'the stored chain head does not name the last block',
  CHECKPOINT_OTHER_CHAIN: 'the checkpoint belongs to another genesis',
  CHECKPOINT_AHEAD: 'the chain is shorter than the checkpoint: it was truncated or rolled back',
  CHECKPOINT_INCONSISTENT: 'the chain does not extend the checkpoint (RFC 9162 consistency proof, or the header at its height, fails)',
  REPLAY_FAILED: 'the replay could not read the stored chain',
  COPY_DIFFERS: 'one node\'s copy differs from the others',
} as const;
export type AuditCode = keyof typeof AUDIT_CODES;

export interface AuditFinding {
  code: AuditCode;
  /** Block height (decimal); '0' for the genesis. */
  height: string;
  /** 0-based index of the event in the block. */
  event?: number;
  /** The field: a header field (proto name), `events[i].<field>`, `commit.signatures[i]`, a table. */
  field?: string;
  /** A state or projection record: its table and readable key. */
  table?: string;
  key?: string;
  expected?: string;
  found?: string;
  /** For a projection record: the event and height that last changed it. */
  changedBy?: { height: string; index: number; eventId: string | null };
  message: string;
}

/** Ed25519 under the rule of DESIGN.md section 4 (the node backend, or noble in a browser). */
export type VerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

/** One event signature to verify: index in its block, key, id, signature. */
export interface SignatureItem {
  event: number;
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

/** What checking one block produced: its findings now, and the event signatures still to verify. */
export interface BlockCheck {
  height: bigint;
  findings: AuditFinding[];
  signatures: SignatureItem[];
  /** The recomputed results root matched the header (so a bad signature means the signature bytes changed). */
  resultsRootOk: boolean;
  events: number;
  logSize: bigint;
  logRoot: Uint8Array;
  headerHash: Uint8Array;
}

/** The log's right edge (a compact range): the root of every prefix with O(log n) memory. */
const hex = (b: Uint8Array) => toHex(b);

/**
 * Checks blocks 1, 2, ... in order (`check` once per height). Keeps what the next block needs:
 * the previous header and its hash, the log frontier, the department keys; optionally every leaf
 * hash (for a consistency proof from a checkpoint).
 */
export class ChainChecker {
  private previous: { header: BlockHeader; hash: Uint8Array } | undefined;
  private readonly frontier = new MerkleFrontier();
  /** department id -> key version -> public key, from the genesis and OK governance events. */
  private readonly keys = new Map<string, Map<number, Uint8Array>>();
  /** Every leaf hash in log order, when asked for (32 bytes per event). */
  readonly leaves: Uint8Array[] | undefined;
  readonly origin: string;

  constructor(
    readonly genesis: LoadedGenesis,
    readonly level: AuditLevel,
    private readonly verify: VerifyFn,
    opts: { keepLeaves?: boolean } = {},
  ) {
    for (const a of genesis.genesis.authorities) this.keys.set(a.departmentId, new Map([[1, a.publicKey]]));
    this.leaves = opts.keepLeaves === true ? [] : undefined;
    this.origin = checkpointOrigin(genesis.genesis.channel, genesis.hash);
  }

  get logSize(): bigint {
    return this.frontier.size;
  }
  get logRoot(): Uint8Array {
    return this.frontier.root();
  }
  get headerHash(): Uint8Array {
    return this.previous?.hash ?? this.genesis.hash;
  }
  get header(): BlockHeader | undefined {
    return this.previous?.header;
  }

  /**
   * Checks the block stored at `height` (raw = undefined when it is missing). On findings the
   * checker's state is undefined for later heights: stop there.
   */
  check(height: bigint, raw: { block: Uint8Array; commit: Uint8Array } | undefined): BlockCheck {
    const h = height.toString();
    const result: BlockCheck = { height, findings: [], signatures: [], resultsRootOk: true, events: 0, logSize: this.frontier.size, logRoot: EMPTY_ROOT, headerHash: new Uint8Array(32) };
    const find = (f: Omit<AuditFinding, 'height'>) => result.findings.push({ height: h, ...f });
    if (raw === undefined) {
      find({ code: 'BLOCK_MISSING', message: `block ${h} is missing below the head` });
      return result;
    }
    const g = this.genesis;
    let block: Block;
    try {
      block = decode('Block', raw.block, g.limits);
      if (block.header === undefined) throw new Error('no header');
    } catch (e) {
      find({ code: 'BLOCK_MALFORMED', message: `block ${h} does not decode: ${(e as Error).message}` });
      return result;
    }
    const header = block.header!;
    const hh = headerHash(encode('BlockHeader', header));
    result.headerHash = hh;
    result.events = block.events.length;
    const prevHash = this.previous?.hash ?? g.hash;
    const prev = this.previous?.header;

    // The header against the anchor and the previous header.
    if (!bytesEqual(header.genesisHash, g.hash)) find({ code: 'GENESIS_MISMATCH', field: 'genesis_hash', expected: hex(g.hash), found: hex(header.genesisHash), message: `block ${h} names another genesis` });
    if (header.height !== height) find({ code: 'HEIGHT_MISMATCH', field: 'height', expected: h, found: header.height.toString(), message: `the block stored at height ${h} says height ${header.height}` });
    if (header.channel !== g.genesis.channel) find({ code: 'CHANNEL_MISMATCH', field: 'channel', expected: g.genesis.channel, found: header.channel, message: `block ${h} is for channel ${header.channel}` });
    if (header.rulesVersion !== g.genesis.rulesVersion) find({ code: 'RULES_VERSION_UNKNOWN', field: 'rules_version', expected: String(g.genesis.rulesVersion), found: String(header.rulesVersion), message: `block ${h} uses rules version ${header.rulesVersion}` });
    if (!bytesEqual(header.previousHeaderHash, prevHash)) {
      find({ code: 'CHAIN_BROKEN', field: 'previous_header_hash', expected: hex(prevHash), found: hex(header.previousHeaderHash), message: `block ${h} does not point at the hash of block ${height - 1n}` });
    }
    if (header.firstOffset > header.lastOffset) find({ code: 'OFFSETS_INVALID', field: 'first_offset', expected: `<= ${header.lastOffset}`, found: header.firstOffset.toString(), message: `block ${h} covers no offsets` });
    if (prev !== undefined && header.firstOffset !== prev.lastOffset + 1n) {
      find({ code: 'OFFSETS_INVALID', field: 'first_offset', expected: (prev.lastOffset + 1n).toString(), found: header.firstOffset.toString(), message: `block ${h} does not start right after block ${height - 1n}'s last offset` });
    }
    const prevTime = prev?.blockTimeMs ?? 0n;
    if (header.blockTimeMs < prevTime) find({ code: 'BLOCK_TIME_INVALID', field: 'block_time_ms', expected: `>= ${prevTime}`, found: header.blockTimeMs.toString(), message: `block ${h}'s time goes backwards` });
    const covered = header.lastOffset - header.firstOffset + 1n;
    if (header.firstOffset <= header.lastOffset && header.eventCount + header.droppedCount > covered) {
      find({ code: 'COUNTS_INVALID', field: 'dropped_count', expected: `<= ${covered - header.eventCount}`, found: header.droppedCount.toString(), message: `block ${h} counts more events and drops than the ${covered} offsets it covers` });
    }

    // The commit.
    this.checkCommit(height, header, hh, raw.commit, find);

    if (this.level !== 'headers') this.checkEvents(height, block, header, result, find);
    if (result.findings.length > 0 && result.findings.some((f) => f.code === 'HEADER_NOT_COMMITTED')) nameChangedField(result.findings);
    if (result.findings.length === 0) this.previous = { header, hash: hh };
    // At the headers level the log is not recomputed: the quorum-signed header's values stand.
    result.logSize = this.level === 'headers' ? header.logSize : this.frontier.size;
    result.logRoot = this.level === 'headers' ? header.logRoot : this.frontier.root();
    return result;
  }

  private checkCommit(height: bigint, header: BlockHeader, hh: Uint8Array, commitBytes: Uint8Array, find: (f: Omit<AuditFinding, 'height'>) => void): void {
    const g = this.genesis;
    const h = height.toString();
    if (commitBytes.length === 0) {
      find({ code: 'COMMIT_MISSING', message: `block ${h} has no commit` });
      return;
    }
    let commit: Commit;
    try {
      commit = decode('Commit', commitBytes, g.limits);
    } catch (e) {
      find({ code: 'COMMIT_MALFORMED', message: `the commit of block ${h} does not decode: ${(e as Error).message}` });
      return;
    }
    if (commit.height !== height) find({ code: 'COMMIT_MALFORMED', field: 'commit.height', expected: h, found: commit.height.toString(), message: `the commit stored at height ${h} is for height ${commit.height}` });
    if (!bytesEqual(commit.headerHash, hh)) {
      find({ code: 'HEADER_NOT_COMMITTED', field: 'header', expected: hex(commit.headerHash), found: hex(hh), message: `block ${h}: the header's recomputed hash is not the one its commit signs` });
    }
    const vote = voteMessage(g.hash, height, commit.headerHash);
    const note = utf8(checkpointText(this.origin, header.logSize, header.logRoot));
    const seen = new Set<number>();
    let last = 0;
    commit.signatures.forEach((s, i) => {
      const node = g.genesis.nodes[s.nodeIndex - 1];
      if (node === undefined || seen.has(s.nodeIndex) || s.nodeIndex <= last) {
        find({ code: 'COMMIT_SIGNER_UNKNOWN', field: `commit.signatures[${i}].node_index`, found: String(s.nodeIndex), message: `commit ${h}: signature ${i} names node ${s.nodeIndex}, not a distinct genesis node in increasing order` });
        return;
      }
      last = s.nodeIndex;
      if (!this.verify(node.publicKey, vote, s.signature)) {
        find({ code: 'COMMIT_SIGNATURE_INVALID', field: `commit.signatures[${i}].signature`, found: `node ${s.nodeIndex}`, message: `commit ${h}: the vote signature of node ${s.nodeIndex} does not verify over header hash ${hex(commit.headerHash).slice(0, 16)}` });
        return;
      }
      // The note signature is over the checkpoint text of the header the commit is for; only
      // meaningful when that header is this one.
      if (s.noteSignature.length > 0 && bytesEqual(commit.headerHash, hh) && !this.verify(node.publicKey, note, s.noteSignature)) {
        find({ code: 'COMMIT_SIGNATURE_INVALID', field: `commit.signatures[${i}].note_signature`, found: `node ${s.nodeIndex}`, message: `commit ${h}: the checkpoint note signature of node ${s.nodeIndex} does not verify` });
        return;
      }
      seen.add(s.nodeIndex);
    });
    if (seen.size < g.genesis.quorum) {
      find({ code: 'QUORUM_NOT_MET', field: 'commit.signatures', expected: `>= ${g.genesis.quorum}`, found: String(seen.size), message: `block ${h}: ${seen.size} valid signatures of distinct genesis nodes, the quorum is ${g.genesis.quorum}` });
    }
  }

  private checkEvents(height: bigint, block: Block, header: BlockHeader, result: BlockCheck, find: (f: Omit<AuditFinding, 'height'>) => void): void {
    const h = height.toString();
    const prevTime = this.previous?.header.blockTimeMs ?? 0n;
    if (header.eventCount !== BigInt(block.events.length)) {
      find({ code: 'COUNTS_INVALID', field: 'event_count', expected: String(block.events.length), found: header.eventCount.toString(), message: `block ${h} stores ${block.events.length} events, its header says ${header.eventCount}` });
    }
    const leaves: Uint8Array[] = [];
    let lastOffset = header.firstOffset - 1n;
    let lastTime = prevTime;
    block.events.forEach((e, i) => {
      const at = (f: string) => `events[${i}].${f}`;
      if (e.offset <= lastOffset || e.offset > header.lastOffset) {
        find({ code: 'OFFSETS_INVALID', event: i, field: at('offset'), expected: `${lastOffset + 1n}..${header.lastOffset}`, found: e.offset.toString(), message: `block ${h}, event ${i}: offset out of order or outside the block` });
      }
      lastOffset = e.offset;
      if (e.recordTimeMs < lastTime || e.recordTimeMs > header.blockTimeMs) {
        find({ code: 'BLOCK_TIME_INVALID', event: i, field: at('record_time_ms'), expected: `${lastTime}..${header.blockTimeMs}`, found: e.recordTimeMs.toString(), message: `block ${h}, event ${i}: record time outside the block's times` });
      }
      lastTime = e.recordTimeMs;
      if (resultName(e.resultCode) === undefined) find({ code: 'RESULT_MISMATCH', event: i, field: at('result_code'), found: String(e.resultCode), message: `block ${h}, event ${i}: unknown result code ${e.resultCode}` });
      const ev = e.event;
      if (ev === undefined) {
        find({ code: 'EVENT_MALFORMED', event: i, field: at('event'), message: `block ${h}, event ${i}: no signed event` });
        return;
      }
      const id = eventId(ev.body);
      leaves.push(leafHash(resultLeafData(i, id, e.resultCode, e.offset, e.recordTimeMs)));
      const leaf = leafHash(id);
      this.frontier.append(leaf);
      this.leaves?.push(leaf);
      let body: EventBody;
      try {
        body = decode('EventBody', ev.body, this.genesis.limits);
      } catch (err) {
        find({ code: 'EVENT_MALFORMED', event: i, field: at('event.body'), message: `block ${h}, event ${i}: the body does not decode: ${(err as Error).message}` });
        return;
      }
      const key = this.keys.get(body.departmentId)?.get(body.keyVersion);
      if (key === undefined) {
        find({ code: 'EVENT_SIGNER_UNKNOWN', event: i, field: at('event.body'), found: `${body.departmentId} key ${body.keyVersion}`, message: `block ${h}, event ${i}: signed by ${body.departmentId} key version ${body.keyVersion}, which the chain never registered` });
      } else {
        result.signatures.push({ event: i, publicKey: key, message: id, signature: ev.signature });
      }
      // Track keys in chain order: an OK registration or rotation adds a key version.
      if (e.resultCode === RESULT.OK) {
        const reg = body.departmentRegistered;
        if (reg !== undefined && !this.keys.has(reg.departmentId)) this.keys.set(reg.departmentId, new Map([[1, reg.publicKey]]));
        const rot = body.departmentKeyRotated;
        if (rot !== undefined) this.keys.get(rot.departmentId)?.set(rot.keyVersion, rot.publicKey);
      }
    });
    const root = rootHash(leaves);
    if (!bytesEqual(root, header.resultsRoot)) {
      result.resultsRootOk = false;
      find({ code: 'RESULTS_ROOT_MISMATCH', field: 'results_root', expected: hex(root), found: hex(header.resultsRoot), message: `block ${h}: the results root recomputed from its events differs from the header` });
    }
    if (this.frontier.size !== header.logSize) {
      find({ code: 'LOG_SIZE_MISMATCH', field: 'log_size', expected: this.frontier.size.toString(), found: header.logSize.toString(), message: `block ${h}: ${this.frontier.size} events from the genesis, the header says ${header.logSize}` });
    }
    const logRoot = this.frontier.root();
    if (!bytesEqual(logRoot, header.logRoot)) {
      find({ code: 'LOG_ROOT_MISMATCH', field: 'log_root', expected: hex(logRoot), found: hex(header.logRoot), message: `block ${h}: the log root recomputed from the genesis differs from the header` });
    }
  }
}

/** The finding codes that name a header field recomputed from the block, most specific first. */
const FIELD_CODES: AuditCode[] = ['GENESIS_MISMATCH', 'HEIGHT_MISMATCH', 'CHANNEL_MISMATCH', 'RULES_VERSION_UNKNOWN', 'CHAIN_BROKEN', 'COUNTS_INVALID', 'OFFSETS_INVALID', 'BLOCK_TIME_INVALID', 'RESULTS_ROOT_MISMATCH', 'LOG_SIZE_MISMATCH', 'LOG_ROOT_MISMATCH'];

/**
 * A header changed under an untouched commit: name the field when a recomputed check points at
 * one (moved onto the HEADER_NOT_COMMITTED finding); otherwise say which fields cannot be
 * recomputed from the block.
 */
function nameChangedField(findings: AuditFinding[]): void {
  const hnc = findings.find((f) => f.code === 'HEADER_NOT_COMMITTED')!;
  const named = findings.find((f) => FIELD_CODES.includes(f.code) && f.event === undefined && f.field !== undefined);
  if (named !== undefined) {
    hnc.field = `header.${named.field}`;
    hnc.message += `; the field that differs: ${named.field} (recomputed ${named.expected}, stored ${named.found})`;
  } else {
    hnc.field = 'header (one of records_digest, dropped_count, block_time_ms, first_offset, last_offset, state_root: not recomputable at this level)';
    hnc.message += '; every field recomputable at this level matches, so the change is in records_digest, dropped_count, block_time_ms, the offsets or (below the full level) state_root';
  }
}

/** Orders a block's findings: the most specific (an event, a signature) first. */
export function primaryFinding(findings: AuditFinding[]): AuditFinding | undefined {
  const rank = (f: AuditFinding): number => {
    if (f.code === 'BLOCK_MISSING' || f.code === 'BLOCK_MALFORMED') return 0;
    if (f.code === 'HEADER_NOT_COMMITTED') return 1;
    if (f.event !== undefined) return 2;
    if (f.code.startsWith('COMMIT') || f.code === 'QUORUM_NOT_MET') return 3;
    return 4;
  };
  return [...findings].sort((a, b) => rank(a) - rank(b))[0];
}
