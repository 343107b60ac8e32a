/**
 * A small ledger world for state-machine tests: a genesis with authorities, departments with
 * deterministic Ed25519 keys, signed events with automatic sequence numbers, and blocks applied
 * through BlockState over a memory-level StateStore (or any abstract-level database), the way a
 * node applies them (prefetch, apply one by one, finish, batch, markCommitted). No Kafka.
 */
import { MemoryLevel } from 'memory-level';
import { encode } from '../../proto/codec.js';
import { DEFAULT_LIMITS } from '../../proto/limits.js';
import type { EventBody, Genesis, Rights, SignedEvent } from '../../proto/schema.generated.js';
import { utf8 } from '../../ledger/bytes.js';
import { eventId, sha256 } from '../../ledger/hash.js';
import { resultName, type ResultName } from '../../ledger/result-codes.js';
import { publicKeyFromSeed, signEd25519, verifyEd25519 } from '../../ledger/signature.js';
import { BlockState, rulesFromGenesis, type Fate, type Rules, type SignatureCheck } from '../../ledger/state-machine.js';
import { StateStore, type AnyDb } from '../../ledger/state-store.js';
import { BlockFold } from '../../ledger/block-fold.js';
import { MerkleFrontier } from '../../ledger/merkle-hash.js';

export const CHANNEL = 'property';
export const AUTHORITY = 'authority.city';

export function seedOf(name: string): Uint8Array {
  return sha256(utf8(`test-seed:${name}`));
}

export const realSignatures: SignatureCheck = (pk, id, sig) => verifyEd25519(pk, id, sig);

type Payload = Omit<EventBody, 'channel' | 'departmentId' | 'keyVersion' | 'sequence' | 'clientTimeMs'>;

export interface EventOptions {
  sequence?: bigint;
  keyVersion?: number;
  channel?: string;
  /** Sign with this seed instead of the department's current one. */
  seed?: Uint8Array;
}

export interface BlockResult {
  fates: Fate[];
  codes: Array<ResultName | `drop:${string}`>;
  stateRoot: Uint8Array;
  block: BlockState;
}

export function fateName(f: Fate): ResultName | `drop:${string}` {
  return f.kind === 'drop' ? `drop:${f.reason}` : resultName(f.code)!;
}

export class World {
  height = 0n;
  logSize = 0n;
  recordTime = 1_000_000n;
  /** Current key seed and version per department. */
  readonly keys = new Map<string, { seed: Uint8Array; version: number }>();
  readonly nextSeq = new Map<string, bigint>();
  private tip: BlockState | undefined;
  /** The channel's log, folded as the blocks are (ledger/block-fold.ts). */
  readonly log = new MerkleFrontier();

  private constructor(
    readonly store: StateStore,
    readonly rules: Rules,
    readonly genesis: Genesis,
  ) {}

  static async create(opts: { authorities?: string[]; db?: AnyDb; rulesVersion?: number } = {}): Promise<World> {
    const authorities = opts.authorities ?? [AUTHORITY];
    const genesis: Genesis = {
      channel: CHANNEL,
      authorities: authorities.map((id) => ({ departmentId: id, name: `authority ${id}`, publicKey: publicKeyFromSeed(seedOf(`${id}#1`)) })),
      nodes: [{ index: 1, publicKey: publicKeyFromSeed(seedOf('node-1')) }],
      quorum: 1,
      limits: { ...DEFAULT_LIMITS },
      batchTimeoutMs: 200n,
      heartbeatIntervalMs: 10_000n,
      rulesVersion: opts.rulesVersion ?? 1,
      witnesses: [],
      witnessQuorum: 0,
    };
    const db = opts.db ?? (new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb);
    const store = await StateStore.open(db);
    const w = new World(store, rulesFromGenesis(genesis), genesis);
    for (const id of authorities) w.keys.set(id, { seed: seedOf(`${id}#1`), version: 1 });
    return w;
  }

  publicKey(dept: string, version = 1): Uint8Array {
    return publicKeyFromSeed(seedOf(`${dept}#${version}`));
  }

  /** A signed event by `dept` with its next sequence number (unless given). */
  event(dept: string, payload: Payload, opts: EventOptions = {}): SignedEvent {
    const k = this.keys.get(dept) ?? { seed: seedOf(`${dept}#1`), version: 1 };
    const sequence = opts.sequence ?? this.nextSeq.get(dept) ?? 1n;
    if (opts.sequence === undefined) this.nextSeq.set(dept, sequence + 1n);
    const body = encode('EventBody', {
      channel: opts.channel ?? CHANNEL,
      departmentId: dept,
      keyVersion: opts.keyVersion ?? k.version,
      sequence,
      clientTimeMs: 0n,
      ...payload,
    } as EventBody);
    return { body, signature: signEd25519(opts.seed ?? k.seed, eventId(body)) };
  }

  /** A DepartmentRegistered by the authority, key version 1 from seedOf(`${id}#1`); its name is its id unless given. */
  register(id: string, rights: Partial<Rights> = {}, by = AUTHORITY, name = id): SignedEvent {
    this.keys.set(id, { seed: seedOf(`${id}#1`), version: 1 });
    return this.event(by, {
      departmentRegistered: {
        departmentId: id,
        name,
        publicKey: this.publicKey(id, 1),
        rights: { certificateTypeIds: rights.certificateTypeIds ?? [], resourceIds: rights.resourceIds ?? [], govern: rights.govern ?? false, seize: rights.seize ?? false, audit: rights.audit ?? false },
      },
    });
  }

  /** Opens the next block over the last one (finished, committed or not) or the store. */
  open(): BlockState {
    const base = this.tip ?? this.store;
    return BlockState.open(base, { rules: this.rules, height: this.height + 1n, logSize: this.logSize });
  }

  /**
   * Applies `events` as one block the way a node does and commits it (unless commit = false,
   * which leaves it finished and pipelined). recordTimes: one per event, or the world's clock.
   */
  async block(events: SignedEvent[], opts: { recordTimes?: bigint[]; commit?: boolean; check?: SignatureCheck } = {}): Promise<BlockResult> {
    const block = this.open();
    await block.prefetch(events);
    const fold = new BlockFold(block, this.log);
    const fates = events.map((ev, i) => fold.apply(ev, BigInt(i), opts.recordTimes?.[i] ?? this.recordTime, opts.check ?? realSignatures));
    const { stateRoot, writes } = await block.finish();
    this.height = block.height;
    this.logSize = block.logPosition;
    this.tip = block;
    if (opts.commit !== false) {
      await this.store.writeBatch(writes);
      block.markCommitted();
    }
    return { fates, codes: fates.map(fateName), stateRoot, block };
  }

  /** Commits a finished block that `block(…, { commit: false })` left pending. */
  async commit(r: BlockResult): Promise<void> {
    const { writes } = await r.block.finish();
    await this.store.writeBatch(writes);
    r.block.markCommitted();
  }
}
