/**
 * Real chains without Kafka: a single-node consensus core (genesis with one node, quorum 1) over
 * memory-level or a real LevelDB, fed KafkaRecord objects the way the node's consumer feeds it
 * (offsets in order, LogAppendTime broker timestamps, values = encoded TopicRecords), blocks cut by
 * a valid time-to-cut marker signed by the node key (DESIGN.md section 8) or at the genesis's
 * max_events; with q = 1 each cut commits at once, through the core's commit hooks (the
 * projections). Events are built and signed by a World (test/helpers/world.ts: deterministic
 * keys, automatic sequence numbers), so the state-machine scenarios' payload helpers work here.
 * Reused by the projection, rebuild, auditor and proof tests.
 */
import { MemoryLevel } from 'memory-level';
import { NodeCore } from '../../consensus/node-core.js';
import type { CoreOutput, KafkaRecord } from '../../consensus/messages.js';
import { timeToCutMessage } from '../../ledger/block.js';
import { toHex, utf8 } from '../../ledger/bytes.js';
import { createGenesis, type LoadedGenesis } from '../../ledger/genesis.js';
import { eventId, sha256 } from '../../ledger/hash.js';
import { SigningKey } from '../../ledger/key-file.js';
import { Projections } from '../../ledger/projections.js';
import { resultName } from '../../ledger/result-codes.js';
import type { AnyDb } from '../../ledger/state-store.js';
import { encode } from '../../proto/codec.js';
import type { SignedEvent } from '../../proto/schema.generated.js';
import { AUTHORITY, CHANNEL, seedOf, World } from './world.js';

export interface ChainOptions {
  /** The node's database (default: a fresh memory-level). */
  db?: AnyDb;
  /** The genesis's max_events: a block is cut at this many included events (default 1,000). */
  maxBlockEvents?: number;
  authorities?: string[];
  /** Wire the projections hook into the core (default true). */
  projections?: boolean;
  /** Outside witnesses the genesis names (issue 23). */
  witnesses?: Array<{ name: string; publicKey: Uint8Array; url: string }>;
}

export interface AppendResult {
  /** Per event: its result name if included, `drop` if not in the chain. */
  codes: string[];
  /** Heights committed by this call. */
  heights: bigint[];
}

export class TestChain {
  /** Broker time of the next record (ms); strictly increases unless a call gives times. */
  now = 1_000n;
  private nextOffset = 0n;

  private constructor(
    readonly core: NodeCore,
    readonly db: AnyDb,
    readonly genesis: LoadedGenesis,
    readonly nodeKey: SigningKey,
    readonly w: World,
    readonly projections: Projections | undefined,
  ) {}

  static async create(opts: ChainOptions = {}): Promise<TestChain> {
    const authorities = opts.authorities ?? [AUTHORITY];
    const nodeKey = new SigningKey(seedOf('node-1'));
    const w = await World.create({ authorities });
    const genesis = createGenesis({
      channel: CHANNEL,
      authorities: authorities.map((id) => ({ departmentId: id, name: `authority ${id}`, publicKey: w.publicKey(id, 1) })),
      nodes: [nodeKey.publicKey],
      quorum: 1,
      limits: { maxBlockEvents: opts.maxBlockEvents ?? 1000 },
      ...(opts.witnesses !== undefined ? { witnesses: opts.witnesses } : {}),
    });
    const db = opts.db ?? (new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' }) as unknown as AnyDb);
    if (db.status !== 'open') await db.open();
    const projections = opts.projections === false ? undefined : await Projections.open(db, { limits: genesis.limits });
    const core = await NodeCore.open({ genesis, nodeIndex: 1, key: nodeKey, db, hooks: projections ? [projections.hook] : [], syncWrites: false });
    const chain = new TestChain(core, db, genesis, nodeKey, w, projections);
    const out = await core.handle({ kind: 'start', nowMs: 0 });
    if (!out.some((o) => o.kind === 'consume-from')) throw new Error('the single-node core did not start consuming');
    return chain;
  }

  get height(): bigint {
    return this.core.blocks.head.height;
  }

  private record(value: Uint8Array, timestamp: bigint): KafkaRecord {
    return { offset: this.nextOffset++, timestamp, logAppendTime: true, value };
  }

  private async feed(records: KafkaRecord[]): Promise<CoreOutput[]> {
    const out = await this.core.handle({ kind: 'records', records });
    const alarm = out.find((o) => o.kind === 'alarm');
    if (alarm !== undefined && alarm.kind === 'alarm') throw new Error(`the core raised ${alarm.alarm.kind}: ${alarm.alarm.message}`);
    return out;
  }

  /**
   * Appends `events` as records and cuts what is pending with a marker (no block if nothing is
   * included). `times`: each record's broker timestamp (default: the chain's clock, +1 ms each);
   * record times never go backwards (DESIGN.md section 6), so give increasing times.
   */
  async block(events: SignedEvent[], opts: { times?: bigint[] } = {}): Promise<AppendResult> {
    const records = events.map((e, i) => {
      const t = opts.times?.[i] ?? this.now++;
      if (t >= this.now) this.now = t + 1n;
      return this.record(encode('TopicRecord', { event: e }), t);
    });
    const out = await this.feed(records);
    const cut = await this.cut();
    const heights = [...out, ...cut].flatMap((o) => (o.kind === 'committed' ? [o.height] : []));
    return { codes: await this.codesOf(events), heights };
  }

  /** Posts a valid (non-heartbeat) time-to-cut marker for the pending height. */
  async cut(): Promise<CoreOutput[]> {
    const height = this.height + 1n;
    const signature = this.nodeKey.sign(timeToCutMessage(this.genesis.hash, height, false));
    const value = encode('TopicRecord', { ttc: { height, heartbeat: false, nodeIndex: 1, signature } });
    return this.feed([this.record(value, this.now - 1n)]);
  }

  /** Where each event landed: its result name, or `drop`. */
  async codesOf(events: SignedEvent[]): Promise<string[]> {
    const ids = events.map((e) => eventId(e.body));
    const locs = await this.core.state.getEventLocations(ids);
    const out: string[] = [];
    for (const loc of locs) {
      if (loc === undefined) {
        out.push('drop');
        continue;
      }
      const b = await this.core.blocks.block(loc.height);
      out.push(resultName(b!.events[loc.index]!.resultCode) ?? 'UNKNOWN');
    }
    return out;
  }

  /** Where an included event sits: height, index, log position. */
  async locate(e: SignedEvent): Promise<{ height: bigint; index: number; logPosition: bigint }> {
    const loc = await this.core.state.eventLocation(eventId(e.body));
    if (loc === undefined) throw new Error(`event ${toHex(eventId(e.body)).slice(0, 12)} is not in the chain`);
    return loc;
  }
}

/** A deterministic 32-byte value for tests (commitments, digests). */
export function bytes32(label: string): Uint8Array {
  return sha256(utf8(`test-bytes:${label}`));
}
