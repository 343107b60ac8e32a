/**
 * @module chaos/invariants
 * What must never happen (issue 26), checked against the running nodes after every fault and
 * against their LevelDB copies at the end:
 *  - an acknowledged event missing from the chain (once every node has committed past its offset);
 *  - an event twice in a chain;
 *  - two different committed headers at one height (a fork);
 *  - a node whose signature is in commits of two different headers at one height (equivocation).
 * The live check reads the nodes' API incrementally (each height once per node); the final one
 * reads every copy's blocks and commits and runs `audit --compare` (consensus/audit-compare.ts).
 */
import { join } from 'node:path';
import { Level } from 'level';
import { toHex } from '../ledger/bytes.js';
import { eventId } from '../ledger/hash.js';
import { decode } from '../proto/codec.js';
import { BlockStore } from '../consensus/block-store.js';
import { compareCopies, type CompareReport } from '../audit/audit-compare.js';
import type { Rig } from './rig.js';
import { signedFetch, signedGetPatiently, type RequestSigner } from '../producers/signed-fetch.js';

export interface Violation {
  kind: 'LOST' | 'DUPLICATED' | 'FORK' | 'EQUIVOCATION';
  message: string;
}

export interface NodeView {
  index: number;
  height: bigint;
  committedOffset: bigint;
  phase: string;
  peersConnected: number[];
  alarms: Array<{ kind: string; height: string; message: string; halted: boolean }>;
}

export async function nodeView(url: string, index: number, timeoutMs = 2_000): Promise<NodeView | undefined> {
  try {
    const r = await fetch(`${url}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!r.ok) return undefined;
    const s = (await r.json()) as Record<string, unknown>;
    return {
      index,
      height: BigInt(s.height as string),
      committedOffset: BigInt(s.committedOffset as string),
      phase: s.phase as string,
      peersConnected: s.peersConnected as number[],
      alarms: s.alarms as NodeView['alarms'],
    };
  } catch {
    return undefined;
  }
}

async function getJson(url: string): Promise<unknown> {
  const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

/** Raw blocks need the auditor or operator role (api/access-policy.ts): the checker signs as a node. */
async function getBytes(url: string, signer: RequestSigner): Promise<Uint8Array> {
  // the node limits heavy reads per identity (429): the checker slows down rather than fails
  const r = await signedGetPatiently(signer, url, { timeoutMs: 30_000 });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/**
 * The incremental live checker: remembers which heights it has seen on which node, the header
 * hash committed at each height, each node's signed header per height, and the chain's event ids.
 */
export class LiveChecker {
  /** height -> header hash hex, as first seen */
  private readonly headers = new Map<bigint, string>();
  /** `${node}@${height}` -> header hash hex its signature is on */
  private readonly signed = new Map<string, string>();
  /** node index -> next height to read from it */
  private readonly nextHeight = new Map<number, bigint>();
  /** event id hex -> count, from the blocks read so far (one node's copy; all are checked equal) */
  readonly eventCounts = new Map<string, number>();
  private nextBlock = 1n;
  readonly violations: Violation[] = [];

  /**
   * Reads what is new on every answering node and checks it.
   * @param acked the acknowledged events so far (id hex and offset)
   */
  async check(rig: Rig, acked: ReadonlyArray<{ id: string; offset: bigint }>): Promise<Violation[]> {
    const found: Violation[] = [];
    const views = (await Promise.all(rig.nodes.map((n) => nodeView(n.url, n.index)))).filter((v): v is NodeView => v !== undefined);
    for (const v of views) {
      const url = rig.nodes[v.index - 1]!.url;
      for (let h = this.nextHeight.get(v.index) ?? 1n; h <= v.height; h++) {
        const body = (await getJson(`${url}/v1/headers/${h}`)) as { header: { headerHash: string }; commit: { headerHash: string; signatures: Array<{ nodeIndex: number }> } | null };
        const hash = body.header.headerHash;
        const known = this.headers.get(h);
        if (known === undefined) this.headers.set(h, hash);
        else if (known !== hash) found.push({ kind: 'FORK', message: `node ${v.index} committed header ${hash} at height ${h}; another node committed ${known}` });
        for (const s of body.commit?.signatures ?? []) {
          const k = `${s.nodeIndex}@${h}`;
          const before = this.signed.get(k);
          if (before === undefined) this.signed.set(k, body.commit!.headerHash);
          else if (before !== body.commit!.headerHash) found.push({ kind: 'EQUIVOCATION', message: `node ${s.nodeIndex} signed headers ${before} and ${body.commit!.headerHash} at height ${h}` });
        }
        this.nextHeight.set(v.index, h + 1n);
      }
    }
    // events: blocks from the highest answering node
    const top = views.reduce<NodeView | undefined>((a, b) => (a === undefined || b.height > a.height ? b : a), undefined);
    if (top) {
      const url = rig.nodes[top.index - 1]!.url;
      for (; this.nextBlock <= top.height; this.nextBlock++) {
        const raw = decode('BlockWithCommit', await getBytes(`${url}/v1/blocks/${this.nextBlock}/raw`, rig.operator), rig.genesis.limits);
        const block = decode('Block', raw.block, rig.genesis.limits);
        for (const e of block.events) {
          const id = toHex(eventId(e.event!.body));
          const n = (this.eventCounts.get(id) ?? 0) + 1;
          this.eventCounts.set(id, n);
          if (n === 2) found.push({ kind: 'DUPLICATED', message: `event ${id} twice in the chain (second at height ${this.nextBlock})` });
        }
      }
    }
    // an acknowledged event below what every answering node has committed must be in the chain
    if (views.length === rig.nodes.length) {
      const covered = views.reduce((m, v) => (v.committedOffset < m ? v.committedOffset : m), views[0]!.committedOffset);
      const readThrough = top ? this.nextBlock - 1n : 0n;
      if (readThrough >= (top?.height ?? 0n)) {
        for (const a of acked) {
          if (a.offset < covered && !this.eventCounts.has(a.id)) found.push({ kind: 'LOST', message: `acknowledged event ${a.id} (offset ${a.offset}) is not in the chain, which every node has committed past` });
        }
      }
    }
    this.violations.push(...found);
    return found;
  }
}

export interface FinalReport {
  heads: bigint[];
  lost: number;
  duplicated: number;
  forks: number;
  equivocations: number;
  committedEvents: number;
  compare: CompareReport;
  violations: Violation[];
}

/**
 * The end-of-campaign check on the stopped nodes' LevelDB copies: every acknowledged event in
 * every copy exactly once, headers equal at every common height, no node's signature on two
 * headers at one height across all copies' commits, and `audit --compare` over the copies.
 */
export async function finalCheck(rig: Rig, acked: ReadonlyArray<{ id: string; offset: bigint }>): Promise<FinalReport> {
  const violations: Violation[] = [];
  const dbs = rig.nodes.map((n) => new Level<Uint8Array, Uint8Array>(join(rig.layout.nodeDir(n.index), 'db'), { keyEncoding: 'view', valueEncoding: 'view' }));
  try {
    await Promise.all(dbs.map((db) => db.open()));
    const heads: bigint[] = [];
    const headerAt = new Map<bigint, string>();
    const signedAt = new Map<string, string>();
    const idsPerCopy: Map<string, number>[] = [];
    for (const [i, db] of dbs.entries()) {
      const store = await BlockStore.open(db, rig.genesis.hash, rig.genesis.limits);
      heads.push(store.head.height);
      const ids = new Map<string, number>();
      for (let h = 1n; h <= store.head.height; h++) {
        const block = (await store.block(h))!;
        const commit = (await store.commit(h))!;
        const hash = toHex(commit.headerHash);
        const known = headerAt.get(h);
        if (known === undefined) headerAt.set(h, hash);
        else if (known !== hash) violations.push({ kind: 'FORK', message: `node ${i + 1}'s copy has header ${hash} at height ${h}; another copy has ${known}` });
        for (const s of commit.signatures) {
          const k = `${s.nodeIndex}@${h}`;
          const before = signedAt.get(k);
          if (before === undefined) signedAt.set(k, hash);
          else if (before !== hash) violations.push({ kind: 'EQUIVOCATION', message: `node ${s.nodeIndex} signed ${before} and ${hash} at height ${h}` });
        }
        for (const e of block.events) {
          const id = toHex(eventId(e.event!.body));
          const n = (ids.get(id) ?? 0) + 1;
          ids.set(id, n);
          if (n === 2) violations.push({ kind: 'DUPLICATED', message: `event ${id} twice in node ${i + 1}'s copy` });
        }
      }
      idsPerCopy.push(ids);
    }
    for (const [i, ids] of idsPerCopy.entries()) {
      const missing = acked.filter((a) => !ids.has(a.id));
      for (const a of missing.slice(0, 20)) violations.push({ kind: 'LOST', message: `acknowledged event ${a.id} (offset ${a.offset}) missing from node ${i + 1}'s copy` });
      if (missing.length > 20) violations.push({ kind: 'LOST', message: `... and ${missing.length - 20} more missing from node ${i + 1}'s copy` });
    }
    const compare = await compareCopies(dbs.map((db, i) => ({ name: `node ${i + 1}`, db })), rig.genesis);
    const count = (k: Violation['kind']) => violations.filter((v) => v.kind === k).length;
    return {
      heads,
      lost: acked.filter((a) => idsPerCopy.some((ids) => !ids.has(a.id))).length,
      duplicated: count('DUPLICATED'),
      forks: count('FORK'),
      equivocations: count('EQUIVOCATION'),
      committedEvents: idsPerCopy[0]?.size ?? 0,
      compare,
      violations,
    };
  } finally {
    await Promise.all(dbs.map((db) => db.close().catch(() => undefined)));
  }
}
