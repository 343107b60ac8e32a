/**
 * A deterministic simulation of the consensus cluster (issue 7): three or four nodes of the real
 * node core (consensus/node-core.ts) over an in-memory ordered log standing in for the Kafka
 * partition, a simulated network, and in-memory LevelDB stores (memory-level), all driven by one
 * seeded PRNG. Faults: crash and restart (losing what was not written), votes dropped, delayed,
 * duplicated and reordered, a partitioned node, duplicate and garbage records, a byzantine node
 * voting for other headers, forged signatures and equivocating producers, a wiped node, and the
 * log losing or rewriting its uncommitted tail. Invariants are checked after every step.
 */
import { MemoryLevel } from 'memory-level';
import { toHex, utf8 } from '../../ledger/bytes.js';
import { voteMessage } from '../../ledger/block.js';
import { buildSignedEvent } from '../../ledger/event.js';
import { createGenesis, type LoadedGenesis } from '../../ledger/genesis.js';
import { eventId, headerHash, sha256 } from '../../ledger/hash.js';
import { SigningKey } from '../../ledger/key-file.js';
import { encode } from '../../proto/codec.js';
import type { EventBody, Vote } from '../../proto/schema.generated.js';
import { NodeCore } from '../../consensus/node-core.js';
import { Projections, PROJECTION_TABLES } from '../../ledger/projections.js';
import type { CoreInput, CoreOutput, KafkaRecord, Alarm } from '../../consensus/messages.js';

/**
 * Registered departments' public keys, from a fixed pool shared by every seed: deriving a fresh key
 * per registration cost about a sixth of a run's CPU, and no rule asks departments' keys to differ.
 */
const DEPARTMENT_KEY_POOL = 16;
const departmentKeys: Uint8Array[] = [];
function departmentPublicKey(n: bigint): Uint8Array {
  const i = Number(n % BigInt(DEPARTMENT_KEY_POOL));
  departmentKeys[i] ??= new SigningKey(sha256(utf8(`sim:dept:${i}`))).publicKey;
  return departmentKeys[i]!;
}

/** xorshift128+ over bigint-free 32-bit halves: deterministic and fast. */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  constructor(seed: number) {
    // splitmix32 to spread the seed
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() || 1;
  }
  /** xoshiro128** */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }
  int(n: number): number {
    return this.u32() % n;
  }
  chance(p: number): boolean {
    return this.u32() < p * 4294967296;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.u32() & 0xff);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A node core with a planted bug, to prove the simulation catches it. */
export type PlantedBug = 'none' | 'sign-two-headers' | 'skip-persisted-vote' | 'forget-outstanding-votes' | 'commit-out-of-order';
export const PLANTED_BUGS: readonly PlantedBug[] = ['none', 'sign-two-headers', 'skip-persisted-vote', 'forget-outstanding-votes', 'commit-out-of-order'];

/**
 * The window of outstanding heights a seed runs its cores with (issue 19): mostly 4 (the node's
 * default), every fifth seed 1 (the behaviour before the window), every fifth 2.
 */
export function voteWindowOfSeed(seed: number): number {
  return seed % 5 === 0 ? 1 : seed % 5 === 1 ? 2 : 4;
}

class SignsTwoHeaders extends NodeCore {
  protected override async voteFor(height: bigint, hh: Uint8Array, checkpoint: Uint8Array): Promise<Vote | undefined> {
    // BUG: ignores the persisted vote and signs whatever it computed now
    const vote = this.signVote(height, hh, checkpoint);
    this.blocks.stageVote(vote);
    return vote;
  }
}

class SkipsPersistedVote extends NodeCore {
  protected override async voteFor(height: bigint, hh: Uint8Array, checkpoint: Uint8Array): Promise<Vote | undefined> {
    // BUG: never persists its vote, so a restart cannot know what it signed
    return this.signVote(height, hh, checkpoint);
  }
}

/**
 * BUG: a vote store that keeps only the latest vote (issue 19: the store must hold every vote of
 * the window): after a restart with several votes outstanding, the lower ones are forgotten, and a
 * node whose log changed under them signs a second header there.
 */
class ForgetsOutstandingVotes extends NodeCore {
  protected override async persistedVote(height: bigint): Promise<Vote | undefined> {
    const latest = await this.blocks.latestVoteHeight();
    return height === latest ? super.persistedVote(height) : undefined;
  }
}

/** BUG: commits whichever outstanding cut has its quorum, the highest first, not in height order. */
class CommitsOutOfOrder extends NodeCore {
  protected override nextToCommit<T>(cuts: readonly T[]): T | undefined {
    return cuts[cuts.length - 1];
  }
}

export interface SimOptions {
  seed: number;
  nodes: 3 | 4;
  /** Steps with faults; then everything heals and liveness is measured. */
  faultSteps: number;
  /** Steps allowed after healing for every offered valid event to commit. */
  livenessSteps: number;
  plantedBug?: PlantedBug;
  /** The cores' window of outstanding heights (NodeCoreOptions.voteWindow; default: voteWindowOfSeed). */
  voteWindow?: number;
  /** Which faults may happen (all by default). */
  faults?: Partial<Record<FaultKind, boolean>>;
}

export type FaultKind = 'crash' | 'network' | 'partition' | 'garbage' | 'byzantine' | 'forgery' | 'wipe' | 'rewrite';

export interface SimResult {
  seed: number;
  steps: number;
  committedHeight: bigint;
  committedEvents: number;
  offered: number;
  violations: string[];
  alarms: Alarm[];
  rewrote: boolean;
  faultsInjected: Record<string, number>;
}

interface Message {
  from: number;
  to: number;
  at: number;
  input: CoreInput;
}

interface SimNode {
  index: number;
  key: SigningKey;
  db: MemoryLevel<Uint8Array, Uint8Array>;
  core: NodeCore | undefined;
  /** The next log offset this node's "consumer" reads, once the core asked to consume. */
  consumeAt: bigint | undefined;
  up: boolean;
  byzantine: boolean;
}

const STEP_MS = 20;

export class ClusterSim {
  readonly rnd: Prng;
  readonly genesis: LoadedGenesis;
  private readonly nodes: SimNode[] = [];
  private readonly log: KafkaRecord[] = [];
  private net: Message[] = [];
  private now = 1_000;
  private partitioned = new Set<number>();
  private readonly authority: SigningKey;
  private authoritySeq = 0n;
  /** Valid events offered by honest producers (event id hex). */
  private readonly offered = new Set<string>();
  /** Votes sent by honest nodes: `${node}/${height}` -> header hash hex. */
  private readonly votesSent = new Map<string, string>();
  /** Committed headers anywhere: height -> header hash hex. */
  private readonly committed = new Map<bigint, string>();
  private readonly violations: string[] = [];
  private readonly alarms: Alarm[] = [];
  private rewrote = false;
  private readonly faultCount: Record<string, number> = {};
  private readonly faults: Record<FaultKind, boolean>;

  constructor(private readonly opts: SimOptions) {
    this.rnd = new Prng(opts.seed);
    const keyOf = (name: string) => new SigningKey(sha256(utf8(`sim:${opts.seed}:${name}`)));
    this.authority = keyOf('authority');
    const nodeKeys = Array.from({ length: opts.nodes }, (_, i) => keyOf(`node-${i + 1}`));
    this.genesis = createGenesis({
      channel: 'sim',
      authorities: [{ departmentId: 'authority.sim', name: 'sim authority', publicKey: this.authority.publicKey }],
      nodes: nodeKeys.map((k) => k.publicKey),
      quorum: opts.nodes === 3 ? 2 : 3,
      batchTimeoutMs: 60n,
      heartbeatIntervalMs: 400n,
      limits: { maxBlockEvents: 8 },
    });
    this.faults = { crash: true, network: true, partition: true, garbage: true, byzantine: true, forgery: true, wipe: true, rewrite: true, ...(opts.faults ?? {}) };
    // A wiped node has lost its persisted votes: after a rewrite of the log's uncommitted tail it
    // could sign a second header for a height it voted on before the wipe, and no rule can stop
    // that without the lost data (the sync-before-voting rule only covers committed heights). So a
    // run has log rewrites or wipes, never both (README, fault model).
    if (this.faults.wipe && this.faults.rewrite) {
      if (this.rnd.chance(0.5)) this.faults.wipe = false;
      else this.faults.rewrite = false;
    }
    // A 4-node cluster may have one byzantine node (q = 3): it never runs an honest core.
    const byzantineIndex = opts.nodes === 4 && this.faults.byzantine && this.rnd.chance(0.5) ? 4 : 0;
    nodeKeys.forEach((key, i) => {
      this.nodes.push({ index: i + 1, key, db: new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' }), core: undefined, consumeAt: undefined, up: false, byzantine: i + 1 === byzantineIndex });
    });
  }

  /** What happened, step by step (printed by `npm run sim -- --seed S --verbose`). */
  readonly trace: string[] = [];

  private note(what: string): void {
    this.trace.push(`t=${this.now} ${what}`);
  }

  private count(kind: string, node?: number): void {
    this.faultCount[kind] = (this.faultCount[kind] ?? 0) + 1;
    if (kind !== 'drop') this.note(`fault ${kind}${node !== undefined ? ` node ${node}` : ''}`);
  }

  private honest(): SimNode[] {
    return this.nodes.filter((n) => !n.byzantine);
  }

  private async startNode(n: SimNode): Promise<void> {
    const bug = n.index === 1 ? (this.opts.plantedBug ?? 'none') : 'none';
    const Impl = { none: NodeCore, 'sign-two-headers': SignsTwoHeaders, 'skip-persisted-vote': SkipsPersistedVote, 'forget-outstanding-votes': ForgetsOutstandingVotes, 'commit-out-of-order': CommitsOutOfOrder }[bug];
    // the projections ride in every commit batch (issue 8): checked below against the chain
    const projections = await Projections.open(n.db as never, { limits: this.genesis.limits });
    n.core = await Impl.open({ genesis: this.genesis, nodeIndex: n.index, key: n.key, db: n.db, hooks: [projections.hook], voteResendMs: 100, noQuorumAlarmMs: 5_000, chunkSize: 64, syncWrites: false, yieldAfterVote: true, voteWindow: this.opts.voteWindow ?? voteWindowOfSeed(this.opts.seed) });
    n.up = true;
    n.consumeAt = undefined;
    await this.feed(n, { kind: 'start', nowMs: this.now });
  }

  /** Hands an input to a node and routes its outputs. */
  private async feed(n: SimNode, input: CoreInput): Promise<void> {
    if (!n.up || n.core === undefined) return;
    let outs: CoreOutput[];
    try {
      outs = await n.core.handle(input);
    } catch (e) {
      // the node process halts on an internal error (e.g. a store refusing a block that does not
      // follow its head): in the simulation it is a violation, named with the error
      this.violations.push(`node ${n.index}: internal error on ${input.kind}: ${(e as Error).message}`);
      n.up = false;
      n.core = undefined;
      return;
    }
    for (const o of outs) this.route(n, o);
  }

  private send(from: number, to: number, input: CoreInput): void {
    if (!this.nodes[to - 1]) return;
    if (this.partitioned.has(from) || this.partitioned.has(to)) return;
    let delay = 1 + this.rnd.int(30);
    if (this.faults.network && this.inFaultPhase) {
      if (this.rnd.chance(0.1)) {
        this.count('drop');
        return;
      }
      if (this.rnd.chance(0.1)) delay += this.rnd.int(400);
      if (this.rnd.chance(0.05)) this.net.push({ from, to, at: this.now + this.rnd.int(200), input });
    }
    this.net.push({ from, to, at: this.now + delay, input });
  }

  private route(n: SimNode, o: CoreOutput): void {
    const peers = (to: 'all' | number) => (to === 'all' ? this.nodes.filter((p) => p.index !== n.index).map((p) => p.index) : [to]);
    switch (o.kind) {
      case 'send-vote': {
        const key = `${n.index}/${o.vote.height}`;
        const hash = toHex(o.vote.headerHash);
        const prev = this.votesSent.get(key);
        if (prev !== undefined && prev !== hash) this.violations.push(`node ${n.index} sent votes for two headers at height ${o.vote.height}`);
        if (prev !== hash) this.note(`node ${n.index} votes ${o.vote.height} ${hash.slice(0, 8)}`);
        this.votesSent.set(key, hash);
        for (const p of peers(o.to)) this.send(n.index, p, { kind: 'vote', from: n.index, vote: o.vote });
        break;
      }
      case 'send-block':
        this.send(n.index, o.to, { kind: 'block', from: n.index, block: o.block, commit: o.commit });
        break;
      case 'request-block':
        for (const p of peers(o.to)) this.send(n.index, p, { kind: 'block-request', from: n.index, height: o.height });
        break;
      case 'request-head':
        for (const p of peers(o.to)) this.send(n.index, p, { kind: 'head-request', from: n.index });
        break;
      case 'send-head':
        this.send(n.index, o.to, { kind: 'head', from: n.index, height: o.height });
        break;
      case 'post-marker':
        this.append(o.value);
        break;
      case 'consume-from':
        this.note(`node ${n.index} consumes from ${o.offset}`);
        n.consumeAt = o.offset;
        break;
      case 'committed': {
        const hash = toHex(o.headerHash);
        const prev = this.committed.get(o.height);
        if (prev !== undefined && prev !== hash) this.violations.push(`two different headers committed at height ${o.height}`);
        this.committed.set(o.height, hash);
        this.note(`node ${n.index} commits ${o.height} ${hash.slice(0, 8)}${o.viaPeer ? ' (from a peer)' : ''}`);
        break;
      }
      case 'alarm':
        this.note(`node ${n.index} alarm ${o.alarm.kind}: ${o.alarm.message}`);
        this.alarms.push(o.alarm);
        break;
    }
  }

  private append(value: Uint8Array, timestamp = BigInt(this.now), logAppendTime = true): void {
    this.log.push({ offset: BigInt(this.log.length), timestamp, logAppendTime, value });
  }

  private inFaultPhase = true;

  /** An honest producer offers a valid event (the authority registers a department). */
  private offerValidEvent(): void {
    this.authoritySeq++;
    const body: EventBody = {
      channel: 'sim',
      departmentId: 'authority.sim',
      keyVersion: 1,
      sequence: this.authoritySeq,
      clientTimeMs: 0n,
      departmentRegistered: {
        departmentId: `dept.${this.authoritySeq}`,
        name: `department ${this.authoritySeq}`,
        publicKey: departmentPublicKey(this.authoritySeq),
        rights: { certificateTypeIds: [], resourceIds: [], govern: false, seize: false, audit: false },
      },
    };
    const ev = buildSignedEvent(body, this.authority, this.genesis.limits);
    this.offered.add(toHex(ev.id));
    this.append(ev.recordValue);
  }

  private offerBadRecord(): void {
    const kind = this.rnd.int(4);
    if (kind === 0) {
      this.append(this.rnd.bytes(1 + this.rnd.int(40))); // garbage
    } else if (kind === 1 && this.log.length > 0) {
      this.append(this.log[this.rnd.int(this.log.length)]!.value!); // duplicate record
    } else if (kind === 2) {
      // forged: signed by a key that is not the authority's
      const body: EventBody = { channel: 'sim', departmentId: 'authority.sim', keyVersion: 1, sequence: this.authoritySeq + 1n, clientTimeMs: 0n, departmentSuspended: { departmentId: 'dept.1', reason: 'forged' } };
      this.append(buildSignedEvent(body, new SigningKey(this.rnd.bytes(32)), this.genesis.limits).recordValue);
    } else {
      // equivocation: a second, validly signed body with an already used sequence number
      if (this.authoritySeq === 0n) return;
      const body: EventBody = { channel: 'sim', departmentId: 'authority.sim', keyVersion: 1, sequence: 1n + BigInt(this.rnd.int(Number(this.authoritySeq))), clientTimeMs: BigInt(this.rnd.u32()), departmentSuspended: { departmentId: 'dept.1', reason: 'equivocation' } };
      this.append(buildSignedEvent(body, this.authority, this.genesis.limits).recordValue);
    }
    if (this.rnd.chance(0.2)) this.append(this.rnd.bytes(8), BigInt(this.now), false); // CreateTime record: dropped
  }

  /** The byzantine node votes for random headers at the heights it hears of. */
  private byzantineVotes(n: SimNode): void {
    const height = BigInt(this.committed.size + 1 + this.rnd.int(2));
    const hh = this.rnd.bytes(32);
    const vote: Vote = { genesisHash: this.genesis.hash, height, headerHash: hh, nodeIndex: n.index, signature: n.key.sign(voteMessage(this.genesis.hash, height, hh)), noteSignature: n.key.sign(hh) };
    for (const p of this.nodes) if (p.index !== n.index) this.send(n.index, p.index, { kind: 'vote', from: n.index, vote });
  }

  private async injectFault(): Promise<void> {
    const honest = this.honest();
    const up = honest.filter((n) => n.up);
    const r = this.rnd.int(100);
    if (r < 6 && this.faults.crash && up.length > 0) {
      // half the time, a node with several heights outstanding if there is one (issue 19: its votes
      // are persisted, its commits not; on restart it must recompute every one of those headers)
      const busy = up.filter((n) => (n.core?.status.outstanding ?? 0) >= 2);
      const n = busy.length > 0 && this.rnd.chance(0.5) ? this.rnd.pick(busy) : this.rnd.pick(up);
      if ((n.core?.status.outstanding ?? 0) >= 2) this.count('crash-outstanding', n.index);
      n.up = false; // crash: the core's memory is gone; the store keeps what was written
      n.core = undefined;
      this.count('crash', n.index);
    } else if (r < 14 && this.faults.crash) {
      const down = honest.filter((n) => !n.up);
      if (down.length > 0) {
        const n = this.rnd.pick(down);
        this.count('restart', n.index);
        await this.startNode(n);
      }
    } else if (r < 17 && this.faults.partition) {
      if (this.partitioned.size === 0) {
        const n = this.rnd.pick(honest);
        this.partitioned.add(n.index);
        this.count('partition', n.index);
      } else {
        this.partitioned.clear();
        this.count('heal');
      }
    } else if (r < 19 && this.faults.wipe && up.length > 0) {
      const n = this.rnd.pick(up);
      n.db = new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' });
      this.count('wipe', n.index);
      await this.startNode(n);
    } else if (r < 20 && this.faults.rewrite && this.log.length > 0) {
      // the broker loses the uncommitted tail (and offsets are reused by what comes next)
      const covered = this.maxCoveredOffset();
      const keep = Number(covered + 1n) + this.rnd.int(Math.max(1, this.log.length - Number(covered + 1n)));
      if (keep < this.log.length) {
        this.log.length = keep;
        this.rewrote = true;
        this.count('rewrite');
      }
    } else if (r < 40 && this.faults.garbage) {
      this.offerBadRecord();
    }
  }

  /** The highest offset covered by a committed block on any node. */
  private maxCoveredOffset(): bigint {
    let m = -1n;
    for (const n of this.nodes) {
      if (n.core !== undefined && n.core.blocks.head.nextOffset - 1n > m) m = n.core.blocks.head.nextOffset - 1n;
    }
    return m;
  }

  private async step(): Promise<void> {
    this.now += STEP_MS;
    // deliver due messages, in a shuffled order (reordering)
    const due = this.net.filter((m) => m.at <= this.now);
    this.net = this.net.filter((m) => m.at > this.now);
    for (let i = due.length - 1; i > 0; i--) {
      const j = this.rnd.int(i + 1);
      [due[i], due[j]] = [due[j]!, due[i]!];
    }
    for (const m of due) {
      const n = this.nodes[m.to - 1]!;
      if (n.byzantine || !n.up || this.partitioned.has(m.to) || this.partitioned.has(m.from)) continue;
      await this.feed(n, m.input);
    }
    // consumers read the log
    for (const n of this.honest()) {
      if (!n.up || n.core === undefined) continue;
      if (n.consumeAt !== undefined) {
        if (n.consumeAt > BigInt(this.log.length)) n.consumeAt = BigInt(this.log.length); // the log lost its tail
        const take = 1 + this.rnd.int(12);
        const recs = this.log.slice(Number(n.consumeAt), Number(n.consumeAt) + take);
        if (recs.length > 0 && n.core.wantsRecords) {
          n.consumeAt += BigInt(recs.length);
          await this.feed(n, { kind: 'records', records: recs });
        }
      }
      await this.feed(n, { kind: 'tick', nowMs: this.now });
    }
    for (const n of this.nodes) if (n.byzantine && this.rnd.chance(0.2)) this.byzantineVotes(n);
  }

  private async checkInvariants(): Promise<void> {
    // every chain is a prefix of the longest, no event id twice, equal state roots at equal heights
    for (const n of this.honest()) {
      if (n.core === undefined) continue;
      const head = n.core.blocks.head.height;
      for (let h = 1n; h <= head; h++) {
        const known = this.committed.get(h);
        const header = await n.core.blocks.header(h);
        if (header === undefined) {
          this.violations.push(`node ${n.index} lacks block ${h} below its head ${head}`);
          break;
        }
        const hash = toHex(headerHash(encode('BlockHeader', header)));
        if (known !== undefined && known !== hash) this.violations.push(`node ${n.index} holds a different block ${h}`);
      }
    }
  }

  /**
   * Projections are written in the block's batch: on every node they are at its chain head, and
   * nodes at the same head hold the same projection bytes (issue 8).
   */
  private async checkProjections(): Promise<void> {
    const digests = new Map<bigint, { node: number; digest: string }>();
    for (const n of this.honest()) {
      if (n.core === undefined) continue;
      const head = n.core.blocks.head.height;
      const projections = await Projections.open(n.db as never);
      const at = await projections.height();
      if (at !== head) this.violations.push(`node ${n.index}: projections at height ${at}, chain at ${head}`);
      const parts: string[] = [];
      for (const name of PROJECTION_TABLES) {
        for await (const [k, v] of projections.tables[name].iterator() as AsyncIterable<[Uint8Array, Uint8Array]>) parts.push(`${name}/${toHex(k)}=${toHex(v)}`);
      }
      const digest = toHex(sha256(utf8(parts.join('\n'))));
      const other = digests.get(head);
      if (other !== undefined && other.digest !== digest) this.violations.push(`nodes ${other.node} and ${n.index} hold different projections at height ${head}`);
      digests.set(head, { node: n.index, digest });
    }
  }

  private async checkNoDuplicateEvents(): Promise<void> {
    for (const n of this.honest()) {
      if (n.core === undefined) continue;
      const seen = new Set<string>();
      for (let h = 1n; h <= n.core.blocks.head.height; h++) {
        const b = await n.core.blocks.block(h);
        for (const e of b?.events ?? []) {
          const id = toHex(eventId(e.event!.body));
          if (seen.has(id)) this.violations.push(`node ${n.index}: event ${id.slice(0, 12)} twice in its chain`);
          seen.add(id);
        }
      }
    }
  }

  async run(): Promise<SimResult> {
    for (const n of this.honest()) await this.startNode(n);
    let steps = 0;
    for (; steps < this.opts.faultSteps; steps++) {
      if (this.rnd.chance(0.5)) this.offerValidEvent();
      if (this.rnd.chance(0.3)) await this.injectFault();
      await this.step();
      if (steps % 10 === 0) await this.checkInvariants();
      if (this.violations.length > 0) break;
    }
    // heal: restart every crashed node, end the partition, stop faults
    this.inFaultPhase = false;
    this.partitioned.clear();
    for (const n of this.honest()) if (!n.up) await this.startNode(n);
    const target = new Set(this.offered);
    let live = false;
    for (let i = 0; i < this.opts.livenessSteps && this.violations.length === 0; i++, steps++) {
      await this.step();
      if (i % 10 === 9 && (await this.allCommitted(target))) {
        live = true;
        break;
      }
    }
    await this.checkInvariants();
    await this.checkNoDuplicateEvents();
    await this.checkProjections();
    const halted = this.honest().some((n) => n.core?.status.phase === 'halted');
    if (!live && this.violations.length === 0 && !this.rewrote && !halted) {
      this.violations.push(`liveness: not every offered valid event committed within ${this.opts.livenessSteps} steps after healing`);
    }
    if (halted && !this.rewrote) this.violations.push(`a node halted without a log rewrite: ${this.alarms.filter((a) => a.halted).map((a) => a.message).join(' | ')}`);
    const best = this.honest().reduce((a, n) => (n.core && n.core.blocks.head.height > a ? n.core.blocks.head.height : a), 0n);
    let committedEvents = 0;
    const any = this.honest().find((n) => n.core?.blocks.head.height === best)?.core;
    for (let h = 1n; any && h <= best; h++) committedEvents += (await any.blocks.block(h))?.events.length ?? 0;
    return { seed: this.opts.seed, steps, committedHeight: best, committedEvents, offered: this.offered.size, violations: this.violations, alarms: this.alarms, rewrote: this.rewrote, faultsInjected: this.faultCount };
  }

  /** Whether every offered event is committed on every honest node that is up and not halted. */
  private async allCommitted(ids: Set<string>): Promise<boolean> {
    const nodes = this.honest().filter((n) => n.up && n.core && n.core.status.phase !== 'halted');
    const q = this.genesis.genesis.quorum;
    if (nodes.length < q) return false;
    for (const n of nodes) {
      const found = await n.core!.state.getEventLocations([...ids].map((h) => Uint8Array.from(Buffer.from(h, 'hex'))));
      for (let i = 0; i < found.length; i++) if (found[i] === undefined) return false; // (a sparse array: no .some)
    }
    return true;
  }
}

