/**
 * @module ledger/state-machine
 * The state machine the consensus node calls (DESIGN.md sections 5, 6 and 9): one block's state,
 * staged over a committed view, deciding each record's fate before the cut reads the next.
 *
 * ```ts
 * const block = BlockState.open(base, { rules, height, logSize });   // base: StateStore or the previous finished BlockState
 * await block.prefetch(signedEvents);                                 // async: loads what those records touch
 * const fate = block.apply(signedEvent, { recordTime, offset }, checkSignature);  // sync
 * const { stateRoot, writes } = await block.finish();                 // writes: the node adds them to its block batch
 * // ... the node commits its batch atomically, then:
 * block.markCommitted();
 * ```
 * `apply` is pure and deterministic: no clock, no randomness, no floats, no iteration order that
 * reaches a hash except a sorted one. It decodes the EventBody under the genesis limits, checks
 * the channel, resolves the signer's key at the log position the event would take (key activity
 * by log position, DESIGN.md section 5), asks `checkSignature` (so the node can run the curve
 * arithmetic ahead of time on worker threads and only join the answers here), checks the
 * event-id index, the sequence table and the rules of ledger/rules/*.ts. Only OK events change
 * state records, except that every included event whose sequence = next advances `next`.
 *
 * Pipelining: a finished BlockState is a StateLayer, so block h+1 can be cut over block h while
 * h awaits its commit. Blocks commit in height order.
 */
import { decode } from '../proto/codec.js';
import type { DecodeLimits } from '../proto/limits.js';
import type { EventBody, Genesis, SignedEvent } from '../proto/schema.generated.js';
import { bytesKey, toHex } from './bytes.js';
import { isLedgerError, LedgerError } from '../errors/ledger-error.js';
import { eventId as computeEventId } from './hash.js';
import { RESULT, type DropReason, type ResultCode } from './result-codes.js';
import { accessRecorded } from './rules/access.js';
import { consentRecorded } from './rules/consent.js';
import { exchangeRead } from './rules/exchange.js';
import { resourceRegistered, resourceUpdated, resourceVersionPublished } from './rules/catalogue.js';
import { certificateAmended, certificateIssued, certificateRevoked, certificateTransferred } from './rules/certificates.js';
import { certificateTypeRegistered } from './rules/certificate-types.js';
import { certificateVerified, mortgageRegistered, mortgageReleased, seizureLifted, seizureRegistered } from './rules/encumbrances.js';
import { needsRulesV2 } from './rules-version.js';
import type { RuleContext } from './rules/context.js';
import { departmentKeyRotated, departmentRegistered, departmentReinstated, departmentSuspended, keyCompromised } from './rules/governance.js';
import { shareDenied, shareGranted, shareRequested, shareRevoked } from './rules/sharing.js';
import { advanceSequence, checkSequence } from './rules/sequence.js';
import { definingEvent, encodeRecord, genesisDepartments, keyActivityAt, recordKey, recordValueHash, splitRecordKey, type AnyRecord, type RecordOf, type StateType } from './state-records.js';
import { encodeEventLocation, type EventLocation, type StateLayer, type StateStore, type StateWrite } from './state-store.js';
import { stateKey, updateStoredTree, type Entry } from './state-tree.js';
import { utf8 } from './bytes.js';

/** What the rules need from the genesis (DESIGN.md section 7). */
export interface Rules {
  channel: string;
  limits: DecodeLimits;
  /** The genesis, whose authorities enter the state with block 1. */
  genesis: Genesis;
  /** The genesis's rules version (ledger/rules-version.ts). */
  rulesVersion: number;
}

/** The rules of a genesis: its channel, limits and authorities. */
export function rulesFromGenesis(genesis: Genesis): Rules {
  const l = genesis.limits;
  if (l === undefined) throw new LedgerError('BAD_ARGUMENT', 'the genesis has no limits');
  return { channel: genesis.channel, limits: { ...l }, genesis, rulesVersion: genesis.rulesVersion };
}

/** Per record, from the cutter. `height` and `logPosition`, when given, are checked against the block's own count. */
export interface ApplyContext {
  /** The record time t of DESIGN.md section 6 (ms). */
  recordTime: bigint;
  offset: bigint;
  height?: bigint;
  logPosition?: bigint;
}

/**
 * The signature check the fold asks for: Ed25519 under the rule of DESIGN.md section 4 over the
 * 32-byte event id. The node answers from results computed ahead on worker threads.
 */
export type SignatureCheck = (publicKey: Uint8Array, eventId: Uint8Array, signature: Uint8Array) => boolean;

export type PayloadCase = Exclude<keyof EventBody, 'channel' | 'departmentId' | 'keyVersion' | 'sequence' | 'clientTimeMs'>;

export type Fate =
  | { kind: 'drop'; reason: DropReason }
  | {
      kind: 'include';
      code: ResultCode;
      eventId: Uint8Array;
      /** 0-based index among the block's included events. */
      index: number;
      logPosition: bigint;
      /** Effects summary for the projections: who, what, about which record. */
      departmentId: string;
      payload: PayloadCase;
      subject: { type: StateType; id: string } | undefined;
    };

const PAYLOADS = [
  'departmentRegistered',
  'departmentKeyRotated',
  'keyCompromised',
  'departmentSuspended',
  'departmentReinstated',
  'resourceRegistered',
  'resourceUpdated',
  'resourceVersionPublished',
  'shareRequested',
  'shareGranted',
  'shareDenied',
  'shareRevoked',
  'accessRecorded',
  'consentRecorded',
  'exchangeRead',
  'certificateIssued',
  'certificateAmended',
  'certificateTransferred',
  'certificateRevoked',
  'mortgageRegistered',
  'mortgageReleased',
  'seizureRegistered',
  'seizureLifted',
  'certificateVerified',
  'certificateTypeRegistered',
] as const satisfies readonly PayloadCase[];

function payloadOf(body: EventBody): PayloadCase {
  for (const p of PAYLOADS) if (body[p] !== undefined) return p;
  throw new LedgerError('INTERNAL', 'an EventBody without a payload passed decoding');
}

/** Runs the rule for the body's payload. */
function runRule(ctx: RuleContext, body: EventBody): ResultCode {
  if (body.departmentRegistered) return departmentRegistered(ctx, body.departmentRegistered);
  if (body.departmentKeyRotated) return departmentKeyRotated(ctx, body.departmentKeyRotated);
  if (body.keyCompromised) return keyCompromised(ctx, body.keyCompromised);
  if (body.departmentSuspended) return departmentSuspended(ctx, body.departmentSuspended);
  if (body.departmentReinstated) return departmentReinstated(ctx, body.departmentReinstated);
  if (body.resourceRegistered) return resourceRegistered(ctx, body.resourceRegistered);
  if (body.resourceUpdated) return resourceUpdated(ctx, body.resourceUpdated);
  if (body.resourceVersionPublished) return resourceVersionPublished(ctx, body.resourceVersionPublished);
  if (body.shareRequested) return shareRequested(ctx, body.shareRequested);
  if (body.shareGranted) return shareGranted(ctx, body.shareGranted);
  if (body.shareDenied) return shareDenied(ctx, body.shareDenied);
  if (body.shareRevoked) return shareRevoked(ctx, body.shareRevoked);
  if (body.accessRecorded) return accessRecorded(ctx, body.accessRecorded);
  if (body.consentRecorded) return consentRecorded(ctx, body.consentRecorded);
  if (body.exchangeRead) return exchangeRead(ctx, body.exchangeRead);
  if (body.certificateIssued) return certificateIssued(ctx, body.certificateIssued);
  if (body.certificateAmended) return certificateAmended(ctx, body.certificateAmended);
  if (body.certificateTransferred) return certificateTransferred(ctx, body.certificateTransferred);
  if (body.certificateRevoked) return certificateRevoked(ctx, body.certificateRevoked);
  if (body.mortgageRegistered) return mortgageRegistered(ctx, body.mortgageRegistered);
  if (body.mortgageReleased) return mortgageReleased(ctx, body.mortgageReleased);
  if (body.seizureRegistered) return seizureRegistered(ctx, body.seizureRegistered);
  if (body.seizureLifted) return seizureLifted(ctx, body.seizureLifted);
  if (body.certificateVerified) return certificateVerified(ctx, body.certificateVerified);
  if (body.certificateTypeRegistered) return certificateTypeRegistered(ctx, body.certificateTypeRegistered);
  throw new LedgerError('INTERNAL', 'unknown payload');
}

/** The record an event is about (for the effects summary). */
function subjectOf(body: EventBody): { type: StateType; id: string } | undefined {
  const d = body.departmentRegistered ?? body.departmentKeyRotated ?? body.keyCompromised ?? body.departmentSuspended ?? body.departmentReinstated;
  if (d) return { type: 'dept', id: d.departmentId };
  const r = body.resourceRegistered ?? body.resourceUpdated ?? body.resourceVersionPublished;
  if (r) return { type: 'resource', id: r.resourceId };
  const s = body.shareRequested ?? body.shareGranted ?? body.shareDenied ?? body.shareRevoked;
  if (s) return { type: 'grant', id: s.requestId };
  const a = body.accessRecorded;
  if (a) return a.grantId !== '' ? { type: 'grant', id: a.grantId } : { type: 'resource', id: a.resourceId };
  const x = body.exchangeRead;
  if (x) return x.grantId !== '' ? { type: 'grant', id: x.grantId } : { type: 'resource', id: x.resourceId };
  if (body.consentRecorded) return { type: 'consent', id: body.consentRecorded.consentId };
  if (body.certificateTypeRegistered) return { type: 'ctype', id: body.certificateTypeRegistered.certificateTypeId };
  const c =
    body.certificateIssued ??
    body.certificateAmended ??
    body.certificateTransferred ??
    body.certificateRevoked ??
    body.mortgageRegistered ??
    body.mortgageReleased ??
    body.seizureRegistered ??
    body.seizureLifted ??
    body.certificateVerified;
  if (c) return { type: 'cert', id: c.certificateId };
  return undefined;
}

/** The record keys the rules may read for this body before knowing any state (first round). */
function directKeys(body: EventBody, out: Set<string>): void {
  out.add(recordKey('dept', body.departmentId));
  const s = subjectOf(body);
  if (s) out.add(recordKey(s.type, s.id));
  if (body.shareRequested) out.add(recordKey('resource', body.shareRequested.resourceId));
  if (body.accessRecorded) out.add(recordKey('resource', body.accessRecorded.resourceId));
  if (body.exchangeRead) {
    out.add(recordKey('resource', body.exchangeRead.resourceId));
    if (body.exchangeRead.consentId !== '') out.add(recordKey('consent', body.exchangeRead.consentId));
  }
  if (body.mortgageRegistered) out.add(recordKey('dept', body.mortgageRegistered.creditorDepartmentId));
  if (body.certificateIssued && body.certificateIssued.certificateTypeName !== '') out.add(recordKey('ctype', body.certificateIssued.certificateTypeId));
}

type Decoded = { ok: true; body: EventBody; id: Uint8Array } | { ok: false; reason: DropReason };

function dropReasonOf(e: unknown): DropReason {
  if (!isLedgerError(e)) throw e;
  switch (e.code) {
    case 'NON_CANONICAL':
      return 'NON_CANONICAL';
    case 'LIMIT_EXCEEDED':
    case 'BAD_ID':
    case 'BAD_LENGTH':
      return 'OVER_LIMITS';
    default:
      return 'UNDECODABLE';
  }
}

export interface BlockStateOptions {
  rules: Rules;
  /** The height of the block being cut. */
  height: bigint;
  /** The log size before this block (the first included event takes this log position). */
  logSize: bigint;
}

export interface FinishedBlock {
  stateRoot: Uint8Array;
  /** abstract-level batch operations (with `sublevel`) for the node's atomic block batch. */
  writes: StateWrite[];
}

/** One block's state, staged over a committed view (see the module comment). */
export class BlockState implements StateLayer {
  private base: StateLayer;
  readonly rules: Rules;
  readonly height: bigint;
  readonly logSizeBefore: bigint;
  /** Records changed in this block (latest version). */
  private readonly changed = new Map<string, AnyRecord>();
  /** Records loaded from the base by prefetch (undefined value = absent there). */
  private readonly loaded = new Map<string, AnyRecord | undefined>();
  /** Event ids loaded from the base by prefetch: present there or not (keyed by bytesKey). */
  private readonly loadedIds = new Map<string, boolean>();
  /** Events included in this block, by bytesKey(id). */
  private readonly includedIds = new Map<string, EventLocation>();
  private readonly includedIdList: Uint8Array[] = [];
  private readonly decodedBodies = new WeakMap<Uint8Array, Decoded>();
  private included = 0;
  private finished: { root: Uint8Array; nodes: Map<string, Uint8Array>; writes: StateWrite[] } | undefined;
  private committed = false;

  private constructor(base: StateLayer, opts: BlockStateOptions) {
    this.base = base;
    this.rules = opts.rules;
    this.height = opts.height;
    this.logSizeBefore = opts.logSize;
  }

  /**
   * Opens block `height` over `base` (the committed store, or the previous block once finished).
   * Block 1 starts from the genesis: its authorities are put into the state first.
   * @throws LedgerError INTERNAL when the base is not the state of height - 1 or is not finished
   */
  static open(base: StateLayer, opts: BlockStateOptions): BlockState {
    if (base instanceof BlockState && base.finished === undefined) throw new LedgerError('INTERNAL', 'the base block is not finished');
    if (base.height !== opts.height - 1n) throw new LedgerError('INTERNAL', `block ${opts.height} cannot build on the state of height ${base.height}`);
    const b = new BlockState(base, opts);
    if (opts.height === 1n) {
      for (const d of genesisDepartments(opts.rules.genesis)) b.changed.set(recordKey('dept', d.departmentId), d);
    }
    return b;
  }

  get store(): StateStore {
    return this.base.store;
  }

  /** The log position the next included event takes. */
  get logPosition(): bigint {
    return this.logSizeBefore + BigInt(this.included);
  }

  get includedCount(): number {
    return this.included;
  }

  /** The base, skipping finished blocks that have committed since (their data is in the store). */
  private get view(): StateLayer {
    while (this.base instanceof BlockState && this.base.committed) this.base = this.base.base;
    return this.base;
  }

  /**
   * The EventBody this block decoded for `ev` (the same object that `apply` read), or undefined
   * if it never decoded it or it did not decode. Lets the commit hooks (the projections) read the
   * body without decoding it a second time.
   */
  decodedBody(ev: SignedEvent): EventBody | undefined {
    const d = this.decodedBodies.get(ev.body);
    return d !== undefined && d.ok ? d.body : undefined;
  }

  /**
   * The body and event id this block already decoded for `ev` (by prefetch or apply), without
   * decoding; undefined if it did not (yet) or the body does not decode. Lets the signature
   * preparer skip a second decode and hash.
   */
  decodedEvent(ev: SignedEvent): { body: EventBody; id: Uint8Array } | undefined {
    const d = this.decodedBodies.get(ev.body);
    return d !== undefined && d.ok ? { body: d.body, id: d.id } : undefined;
  }

  private decodeCached(ev: SignedEvent): Decoded {
    const hit = this.decodedBodies.get(ev.body);
    if (hit !== undefined) return hit;
    let d: Decoded;
    if (!(ev.body instanceof Uint8Array) || ev.body.length > this.rules.limits.maxRecordBytes) d = { ok: false, reason: 'OVER_LIMITS' };
    else {
      try {
        const body = decode('EventBody', ev.body, this.rules.limits);
        // rules version 1 did not know the payloads and fields of version 2: its decoder met an
        // unknown field and dropped the record (ledger/rules-version.ts)
        d = this.rules.rulesVersion < 2 && needsRulesV2(body) ? { ok: false, reason: 'UNDECODABLE' } : { ok: true, body, id: computeEventId(ev.body) };
      } catch (e) {
        d = { ok: false, reason: dropReasonOf(e) };
      }
    }
    this.decodedBodies.set(ev.body, d);
    return d;
  }

  /**
   * Loads from the base everything `records` may read: signer and target records, a grant's
   * resource, and whether their event ids are in the chain. Call it (once or in parts) before
   * applying them; the in-memory store needs it too (the same code path as LevelDB).
   */
  async prefetch(records: SignedEvent[]): Promise<void> {
    const keys = new Set<string>();
    const ids: Uint8Array[] = [];
    const bodies: EventBody[] = [];
    for (const ev of records) {
      const d = this.decodeCached(ev);
      if (!d.ok) continue;
      bodies.push(d.body);
      directKeys(d.body, keys);
      ids.push(d.id);
    }
    await this.load([...keys]);
    // second round: the resource of a grant that a grant, denial or revocation names
    const second = new Set<string>();
    for (const b of bodies) {
      const s = b.shareGranted ?? b.shareDenied ?? b.shareRevoked;
      if (s) {
        const g = this.peek('grant', s.requestId);
        if (g) second.add(recordKey('resource', g.resourceId));
      }
    }
    await this.load([...second]);
    const newIds = ids.filter((id) => {
      const h = bytesKey(id);
      return !this.includedIds.has(h) && !this.loadedIds.has(h);
    });
    if (newIds.length > 0) {
      const locs = await this.view.getEventLocations(newIds);
      newIds.forEach((id, i) => this.loadedIds.set(bytesKey(id), locs[i] !== undefined));
    }
  }

  private async load(keys: string[]): Promise<void> {
    const need = keys.filter((k) => !this.changed.has(k) && !this.loaded.has(k));
    if (need.length === 0) return;
    const got = await this.view.getRecords(need);
    need.forEach((k, i) => this.loaded.set(k, got[i]));
  }

  /** A record as it stands now in this block, or undefined if absent or not loaded. */
  private peek<T extends StateType>(type: T, id: string): RecordOf<T> | undefined {
    const k = recordKey(type, id);
    return (this.changed.get(k) ?? this.loaded.get(k)) as RecordOf<T> | undefined;
  }

  /** A record as it stands now; throws if it was never loaded (a prefetch bug, not a rule outcome). */
  private read<T extends StateType>(type: T, id: string): RecordOf<T> | undefined {
    const k = recordKey(type, id);
    const c = this.changed.get(k);
    if (c !== undefined) return c as RecordOf<T>;
    if (!this.loaded.has(k)) throw new LedgerError('INTERNAL', `state record ${k} was not prefetched`, { key: k });
    return this.loaded.get(k) as RecordOf<T> | undefined;
  }

  private seen(id: Uint8Array): boolean {
    const h = bytesKey(id);
    if (this.includedIds.has(h)) return true;
    const l = this.loadedIds.get(h);
    if (l === undefined) throw new LedgerError('INTERNAL', `event ${toHex(id)} was not prefetched`);
    return l;
  }

  /**
   * Decides one record's fate (DESIGN.md sections 5 and 6) and, when included, applies it. Sync.
   * @throws LedgerError INTERNAL if the record was not prefetched, the block is finished, or the
   *   context's height or log position differ from this block's
   */
  apply(ev: SignedEvent, ctx: ApplyContext, checkSignature: SignatureCheck): Fate {
    if (this.finished !== undefined) throw new LedgerError('INTERNAL', 'apply after finish');
    const position = this.logPosition;
    if (ctx.height !== undefined && ctx.height !== this.height) throw new LedgerError('INTERNAL', `record for height ${ctx.height} applied to block ${this.height}`);
    if (ctx.logPosition !== undefined && ctx.logPosition !== position) {
      throw new LedgerError('INTERNAL', `the cutter says log position ${ctx.logPosition}, the block is at ${position}`);
    }
    const d = this.decodeCached(ev);
    if (!d.ok) return { kind: 'drop', reason: d.reason };
    const { body, id } = d;
    if (body.channel !== this.rules.channel) return { kind: 'drop', reason: 'CHANNEL_MISMATCH' };
    const dept = this.read('dept', body.departmentId);
    if (dept === undefined) return { kind: 'drop', reason: 'UNKNOWN_DEPARTMENT' };
    const { activity, key } = keyActivityAt(dept, body.keyVersion, position);
    if (activity === 'unknown') return { kind: 'drop', reason: 'UNKNOWN_KEY' };
    if (activity === 'retired') return { kind: 'drop', reason: 'RETIRED_KEY' };
    if (activity === 'compromised') return { kind: 'drop', reason: 'COMPROMISED_KEY' };
    if (!(ev.signature instanceof Uint8Array) || ev.signature.length !== 64 || !checkSignature(key!.publicKey, id, ev.signature)) {
      return { kind: 'drop', reason: 'BAD_SIGNATURE' };
    }
    if (this.seen(id)) return { kind: 'drop', reason: 'RETRIED_DUPLICATE' };

    // Included from here on.
    const index = this.included++;
    const location: EventLocation = { height: this.height, index, logPosition: position };
    this.includedIds.set(bytesKey(id), location);
    this.includedIdList.push(id);
    const payload = payloadOf(body);
    const fate = (code: ResultCode): Fate => ({ kind: 'include', code, eventId: id, index, logPosition: position, departmentId: body.departmentId, payload, subject: subjectOf(body) });

    const seq = checkSequence(dept, body.sequence);
    if (seq.kind === 'reject') return fate(seq.code);
    let code: ResultCode;
    if (dept.suspended) code = RESULT.SUSPENDED;
    else {
      const staged = new Map<string, AnyRecord>();
      const rc: RuleContext = {
        signer: dept,
        recordTime: ctx.recordTime,
        logPosition: position,
        defining: definingEvent(id, this.height, position),
        limits: this.rules.limits,
        rulesVersion: this.rules.rulesVersion,
        get: <T extends StateType>(type: T, rid: string) => (staged.get(recordKey(type, rid)) as RecordOf<T> | undefined) ?? this.read(type, rid),
        put: <T extends StateType>(type: T, rid: string, record: RecordOf<T>) => {
          staged.set(recordKey(type, rid), record);
        },
      };
      code = runRule(rc, body);
      if (code === RESULT.OK) for (const [k, r] of staged) this.changed.set(k, r);
    }
    // every included event with sequence = next advances next, whatever its code
    const signerNow = this.read('dept', body.departmentId)!;
    this.changed.set(recordKey('dept', body.departmentId), advanceSequence(signerNow));
    return fate(code);
  }

  /**
   * Ends the block: encodes the changed records, updates the state tree (one batched read per
   * tree level) and returns the new state root and the batch operations for the node's atomic
   * block batch: records, tree nodes, the event-id index, the state root and height.
   */
  async finish(): Promise<FinishedBlock> {
    if (this.finished !== undefined) return { stateRoot: this.finished.root, writes: this.finished.writes };
    const store = this.store;
    const keys = [...this.changed.keys()].sort();
    const updates: Entry[] = [];
    const writes: StateWrite[] = [];
    for (const k of keys) {
      const [type, id] = splitRecordKey(k);
      const bytes = encodeRecord(type, this.changed.get(k) as never);
      updates.push([stateKey(type, id), recordValueHash(bytes)]);
      writes.push({ type: 'put', sublevel: store.records, key: utf8(k), value: bytes });
    }
    const tree = await updateStoredTree(this.view, updates);
    const nodes = new Map<string, Uint8Array>();
    for (const [h, { path, node }] of tree.writes) {
      nodes.set(h, node);
      writes.push({ type: 'put', sublevel: store.nodes, key: path, value: node });
    }
    for (const id of this.includedIdList) {
      writes.push({ type: 'put', sublevel: store.events, key: id, value: encodeEventLocation(this.includedIds.get(bytesKey(id))!) });
    }
    writes.push(...store.metaWrites(this.height, tree.root));
    this.finished = { root: tree.root, nodes, writes };
    return { stateRoot: tree.root, writes };
  }

  /** Tells the store that this block's batch committed (blocks commit in height order). */
  markCommitted(): void {
    if (this.finished === undefined) throw new LedgerError('INTERNAL', 'markCommitted before finish');
    if (this.committed) return;
    const base = this.view;
    if (base !== this.store) throw new LedgerError('INTERNAL', `block ${this.height} committed before the block under it`);
    this.store.noteCommitted({ height: this.height, stateRoot: this.finished.root, records: this.changed, nodes: this.finished.nodes, eventIds: this.includedIdList });
    this.committed = true;
  }

  // StateLayer: a finished block is the base view of the next one.

  get stateRoot(): Uint8Array {
    if (this.finished === undefined) throw new LedgerError('INTERNAL', 'the state root of an unfinished block');
    return this.finished.root;
  }

  async getRecords(keys: string[]): Promise<Array<AnyRecord | undefined>> {
    const out: Array<AnyRecord | undefined> = new Array(keys.length);
    const rest: number[] = [];
    keys.forEach((k, i) => {
      const c = this.committed ? undefined : this.changed.get(k);
      if (c !== undefined) out[i] = c;
      else rest.push(i);
    });
    if (rest.length > 0) {
      const got = await this.view.getRecords(rest.map((i) => keys[i]!));
      rest.forEach((i, j) => (out[i] = got[j]));
    }
    return out;
  }

  async getEventLocations(ids: Uint8Array[]): Promise<Array<EventLocation | undefined>> {
    const out: Array<EventLocation | undefined> = new Array(ids.length);
    const rest: number[] = [];
    ids.forEach((id, i) => {
      const l = this.committed ? undefined : this.includedIds.get(bytesKey(id));
      if (l !== undefined) out[i] = l;
      else rest.push(i);
    });
    if (rest.length > 0) {
      const got = await this.view.getEventLocations(rest.map((i) => ids[i]!));
      rest.forEach((i, j) => (out[i] = got[j]));
    }
    return out;
  }

  async getNodes(paths: Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    const nodes = this.finished?.nodes;
    const out: Array<Uint8Array | undefined> = new Array(paths.length);
    const rest: number[] = [];
    paths.forEach((p, i) => {
      const n = this.committed || nodes === undefined ? undefined : nodes.get(toHex(p));
      if (n !== undefined) out[i] = n;
      else rest.push(i);
    });
    if (rest.length > 0) {
      const got = await this.view.getNodes(rest.map((i) => paths[i]!));
      rest.forEach((i, j) => (out[i] = got[j]));
    }
    return out;
  }
}
