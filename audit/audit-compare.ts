/**
 * @module audit/audit-compare
 * `ledger audit --compare DIR...`: which node's copy differs from the others, and where
 * (DESIGN.md section 7: "chain identity is headers, events and results").
 *
 *  - Blocks, height by height: the stored block bytes of every copy that reaches that height are
 *    grouped; a copy outside the strict majority is named with the height and the field (a
 *    header field, or `events[i].<field>`, or the block missing). Commits are not compared: nodes
 *    may legitimately hold different signature sets for one block (the audit of each copy checks
 *    its own). A copy whose head is lower, with every block it has agreeing, is only behind.
 *  - Then, among the copies at the same head that agree on every block, each state and
 *    projection table and the Merkle log: a digest per copy, and for a copy outside the majority
 *    the first differing key (expected = the majority's value, found = the copy's), with the event
 *    and height that last changed a projection record.
 */
import { createHash } from 'node:crypto';
import { toHex } from '../ledger/bytes.js';
import type { LoadedGenesis } from '../ledger/genesis.js';
import { changedAt } from '../ledger/projection-records.js';
import { describeKey, PROJECTION_TABLES } from '../ledger/projections.js';
import type { AnyDb, AnySublevel } from '../ledger/state-store.js';
import { decode, encode } from '../proto/codec.js';
import type { Block } from '../proto/schema.generated.js';
import { LevelDbChainSource } from './leveldb-source.js';
import { differingFields } from '../consensus/divergence.js';
import { compareTables, STATE_TABLES } from '../replay/rebuild.js';

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
const TABLES = [...STATE_TABLES, 'merkle', ...PROJECTION_TABLES] as const;

export interface CopyDifference {
  /** The copy (its folder) that differs from the majority. */
  copy: string;
  code: 'COPY_DIFFERS' | 'NO_MAJORITY';
  height?: string;
  field?: string;
  table?: string;
  key?: string;
  expected?: string;
  found?: string;
  changedBy?: { height: string; index: number };
  message: string;
}

export interface CompareReport {
  ok: boolean;
  copies: Array<{ name: string; head: string }>;
  /** The copies that differ from the majority. */
  odd: string[];
  /** Copies that only lag behind (a prefix of the others). */
  behind: string[];
  differences: CopyDifference[];
}

export async function compareCopies(copies: Array<{ name: string; db: AnyDb }>, genesis: LoadedGenesis): Promise<CompareReport> {
  const sources = copies.map((c) => new LevelDbChainSource(c.db, genesis.bytes));
  const heads = await Promise.all(sources.map((s) => s.headHeight()));
  const maxHead = heads.reduce((a, b) => (a > b ? a : b), 0n);
  const differences: CopyDifference[] = [];
  const odd = new Set<number>();
  for (let h = 1n; h <= maxHead; h++) {
    const live = copies.map((_, i) => i).filter((i) => !odd.has(i) && heads[i]! >= h);
    if (live.length < 2) break;
    const blocks = await Promise.all(live.map((i) => sources[i]!.block(h)));
    const groups = new Map<string, number[]>();
    blocks.forEach((b, j) => {
      const k = b === undefined ? 'missing' : createHash('sha256').update(b.block).digest('hex');
      groups.set(k, [...(groups.get(k) ?? []), j]);
    });
    if (groups.size === 1) continue;
    const [majorityKey, majority] = [...groups.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
    if (majority.length * 2 <= live.length) {
      for (const j of live.map((_, x) => x)) {
        differences.push({ copy: copies[live[j]!]!.name, code: 'NO_MAJORITY', height: h.toString(), message: `height ${h}: the copies disagree with no majority (${[...groups.values()].map((g) => g.map((x) => copies[live[x]!]!.name).join(' + ')).join(' | ')})` });
        odd.add(live[j]!);
      }
      break;
    }
    const reference = majorityKey === 'missing' ? undefined : blocks[majority[0]!]!.block;
    for (const [key, members] of groups) {
      if (key === majorityKey) continue;
      for (const j of members) {
        const i = live[j]!;
        odd.add(i);
        const mine = blocks[j]?.block;
        const where = reference === undefined ? 'block (the others have none)' : mine === undefined ? 'block (missing)' : blockDifference(reference, mine, genesis);
        differences.push({ copy: copies[i]!.name, code: 'COPY_DIFFERS', height: h.toString(), field: where, message: `${copies[i]!.name} differs from the other copies at height ${h}: ${where}` });
      }
    }
  }
  const behind = copies.map((_, i) => i).filter((i) => !odd.has(i) && heads[i]! < maxHead);
  // Tables, among the agreeing copies at the common head.
  const full = copies.map((_, i) => i).filter((i) => !odd.has(i) && heads[i]! === maxHead);
  if (full.length >= 2) {
    for (const table of TABLES) {
      const digests = await Promise.all(full.map((i) => tableDigest(copies[i]!.db.sublevel(table, VIEW) as unknown as AnySublevel)));
      const groups = new Map<string, number[]>();
      digests.forEach((d, j) => groups.set(d, [...(groups.get(d) ?? []), full[j]!]));
      if (groups.size === 1) continue;
      const [majorityKey, majority] = [...groups.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
      if (majority.length * 2 <= full.length) {
        differences.push({ copy: full.map((i) => copies[i]!.name).join(' + '), code: 'NO_MAJORITY', table, message: `table ${table}: the copies disagree with no majority` });
        continue;
      }
      const refDb = copies[majority[0]!]!.db.sublevel(table, VIEW) as unknown as AnySublevel;
      for (const [key, members] of groups) {
        if (key === majorityKey) continue;
        for (const i of members) {
          odd.add(i);
          const mine = copies[i]!.db.sublevel(table, VIEW) as unknown as AnySublevel;
          let first: CopyDifference | undefined;
          let count = 0;
          await compareTables(mine, refDb, (k, expected, found) => {
            count++;
            if (first !== undefined) return;
            const at = table.startsWith('proj-') && table !== 'proj-meta' ? changedAt(expected ?? found!) : undefined;
            first = {
              copy: copies[i]!.name,
              code: 'COPY_DIFFERS',
              table,
              key: describeKey(k),
              field: `${table} ${describeKey(k)}`,
              expected: expected === undefined ? '(absent)' : toHex(expected),
              found: found === undefined ? '(absent)' : toHex(found),
              ...(at !== undefined && at !== null ? { height: at.height.toString(), changedBy: { height: at.height.toString(), index: at.index } } : {}),
              message: '',
            };
          });
          if (first !== undefined) {
            const f = first as CopyDifference;
            f.message = `${f.copy} differs from the other copies in ${table}: ${count} record(s), first key ${f.key}${f.changedBy ? ` (last changed by the event at height ${f.changedBy.height}, index ${f.changedBy.index})` : ''}`;
            differences.push(f);
          }
        }
      }
    }
  }
  return {
    ok: differences.length === 0,
    copies: copies.map((c, i) => ({ name: c.name, head: heads[i]!.toString() })),
    odd: [...odd].sort((a, b) => a - b).map((i) => copies[i]!.name),
    behind: behind.map((i) => copies[i]!.name),
    differences,
  };
}

/** Where two encodings of one block differ: a header field, or the first differing event's field. */
export function blockDifference(expected: Uint8Array, found: Uint8Array, genesis: LoadedGenesis): string {
  let a: Block;
  let b: Block;
  try {
    a = decode('Block', expected, genesis.limits);
  } catch {
    return 'block bytes (the majority copy does not decode)';
  }
  try {
    b = decode('Block', found, genesis.limits);
  } catch (e) {
    return `block bytes (this copy does not decode: ${(e as Error).message})`;
  }
  const fields = differingFields(a.header!, b.header!);
  if (fields.length > 0) return fields.map((f) => `header.${f}`).join(', ');
  if (a.events.length !== b.events.length) return `events (${b.events.length} stored, the others have ${a.events.length})`;
  for (let i = 0; i < a.events.length; i++) {
    const x = a.events[i]!;
    const y = b.events[i]!;
    const parts: string[] = [];
    if (toHex(x.event?.body ?? new Uint8Array()) !== toHex(y.event?.body ?? new Uint8Array())) parts.push(`events[${i}].event.body`);
    if (toHex(x.event?.signature ?? new Uint8Array()) !== toHex(y.event?.signature ?? new Uint8Array())) parts.push(`events[${i}].event.signature`);
    if (x.resultCode !== y.resultCode) parts.push(`events[${i}].result_code (${y.resultCode}, the others ${x.resultCode})`);
    if (x.offset !== y.offset) parts.push(`events[${i}].offset`);
    if (x.recordTimeMs !== y.recordTimeMs) parts.push(`events[${i}].record_time_ms`);
    if (parts.length > 0) return parts.join(', ');
  }
  return toHex(encode('Block', a)) === toHex(encode('Block', b)) ? 'block bytes' : 'block encoding';
}

async function tableDigest(sub: AnySublevel): Promise<string> {
  const h = createHash('sha256');
  const it = sub.iterator() as unknown as { nextv(n: number): Promise<Array<[Uint8Array, Uint8Array]>>; close(): Promise<void> };
  try {
    for (;;) {
      const batch = await it.nextv(4096);
      if (batch.length === 0) break;
      for (const [k, v] of batch) {
        const len = Buffer.alloc(8);
        len.writeUInt32BE(k.length, 0);
        len.writeUInt32BE(v.length, 4);
        h.update(len).update(k).update(v);
      }
    }
  } finally {
    await it.close();
  }
  return h.digest('hex');
}
