/**
 * Property tests of the state machine: random mixes of valid and invalid records give identical
 * fates and roots when applied twice, and identical fates and records whether applied in one
 * block or in several (pipelined, committed late). The stored tree's root always equals the root
 * of all stored records computed from scratch. (Roots of one block versus several differ only by
 * the heights in the defining events, DESIGN.md section 9, so those are compared with heights
 * set to 0.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SignedEvent } from '../../proto/schema.generated.js';
import { toHex } from '../../ledger/bytes.js';
import { decodeRecord, encodeRecord, recordValueHash, splitRecordKey, type AnyRecord } from '../../ledger/state-records.js';
import { stateKey, stateRootOf, type Entry } from '../../ledger/state-tree.js';
import type { Fate } from '../../ledger/state-machine.js';
import { AUTHORITY, fateName, World } from '../helpers/world.js';
import { access, b32, certIssued, grant, request, resource } from '../helpers/payloads.js';

const DEPTS = ['d.a', 'd.b', 'd.c'];
const RES = ['r.1', 'r.2', 'r.3'];

/** One command of the random mix: who, what, and small parameters that pick ids and fields. */
const cmd = fc.record({
  who: fc.integer({ min: 0, max: 3 }), // 3 = the authority
  what: fc.integer({ min: 0, max: 15 }),
  x: fc.integer({ min: 0, max: 3 }),
  y: fc.integer({ min: 0, max: 3 }),
  seqSkew: fc.constantFrom(0, 0, 0, 0, 0, 0, 1, -1),
  time: fc.integer({ min: 0, max: 30 }),
});
type Cmd = typeof cmd extends fc.Arbitrary<infer T> ? T : never;

function buildEvents(w: World, cmds: Cmd[]): { events: SignedEvent[]; times: bigint[] } {
  const events: SignedEvent[] = [];
  const times: bigint[] = [];
  for (const c of cmds) {
    const who = c.who === 3 ? AUTHORITY : DEPTS[c.who]!;
    const fields = [['f1'], ['f2'], ['f1', 'f2'], ['f9']][c.y]!;
    const rid = RES[c.x % 3]!;
    const gid = `g.${c.x}.${c.y % 2}`;
    const payloads = [
      () => resource(rid, ([1, 2, 3] as const)[c.y % 3]!, ['f1', 'f2']),
      () => request(gid, rid, fields),
      () => grant(gid, fields, BigInt(c.y * 5), BigInt(10 + c.x * 10)),
      () => access(rid, c.y === 3 ? '' : gid, fields),
      () => access(rid, gid, fields),
      () => certIssued(`C${c.x}`, c.y === 0 ? 'OTHER' : 'BDC', c.y === 3 ? { attributeNames: ['a', 'a'] } : {}),
      () => ({ certificateRevoked: { certificateId: `C${c.x}`, reason: '' } }),
      () => ({ certificateTransferred: { certificateId: `C${c.x}`, newHolderCommitment: b32(c.y + 1), documentSha256: new Uint8Array(0), reason: '' } }),
      () => ({ departmentSuspended: { departmentId: DEPTS[c.x % 3]!, reason: '' } }),
      () => ({ departmentReinstated: { departmentId: DEPTS[c.x % 3]!, reason: '' } }),
      () => ({ shareRevoked: { requestId: gid, reason: '' } }),
      () => ({ shareDenied: { requestId: gid, reason: '' } }),
      () => ({ resourceVersionPublished: { resourceId: rid, version: BigInt(c.y), datasetSha256: b32(c.y + 3), recordCount: 1n } }),
      () => ({ resourceUpdated: { resourceId: rid, name: 'n', shareType: ([1, 2, 3] as const)[c.y % 3]!, fields: ['f1', 'f2', 'f3'], updateCycle: '' } }),
      () => ({ keyCompromised: { departmentId: DEPTS[c.x % 3]!, keyVersion: 1 + (c.y % 2), fromLogPosition: 1000n, reason: '' } }),
      () => access(rid, '', ['f1']),
    ];
    const next = w.nextSeq.get(who) ?? 1n;
    const seq = next + BigInt(c.seqSkew);
    const ev = c.seqSkew === 0 ? w.event(who, payloads[c.what]!()) : w.event(who, payloads[c.what]!(), { sequence: seq < 0n ? 0n : seq });
    events.push(c.what === 4 && c.y === 2 ? events[events.length - 1] ?? ev : ev); // sometimes a retry of the previous record
    times.push(BigInt(c.time));
  }
  return { events, times };
}

async function setupWorld(): Promise<World> {
  const w = await World.create();
  await w.block([
    w.register('d.a', { certificateTypeIds: ['BDC'], resourceIds: ['r.1'] }),
    w.register('d.b', { resourceIds: ['r.2', 'r.3'] }),
    w.register('d.c', { certificateTypeIds: ['BDC'], resourceIds: ['r.1'] }),
  ]);
  return w;
}

const ACCEPT = () => true;

function fateKey(f: Fate): string {
  return f.kind === 'drop' ? `drop:${f.reason}` : `${fateName(f)}@${f.logPosition}:${toHex(f.eventId)}`;
}

async function dumpRecords(w: World): Promise<Map<string, AnyRecord>> {
  const out = new Map<string, AnyRecord>();
  for await (const [k, v] of w.store.records.iterator()) {
    const key = new TextDecoder().decode(k);
    out.set(key, decodeRecord(splitRecordKey(key)[0], v));
  }
  return out;
}

function rootOf(records: Map<string, AnyRecord>, zeroHeights: boolean): Uint8Array {
  const entries: Entry[] = [...records].map(([k, r]) => {
    const [type, id] = splitRecordKey(k);
    const rec = zeroHeights && r.definingEvent ? { ...r, definingEvent: { ...r.definingEvent, height: 0n } } : r;
    return [stateKey(type, id), recordValueHash(encodeRecord(type, rec as never))];
  });
  return stateRootOf(entries);
}

describe('state machine properties', () => {
  it('applied twice, in one block or in several (pipelined): identical fates and records', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 59 }), { maxLength: 4 }), async (cmds, cuts) => {
        const w1 = await setupWorld();
        const { events, times } = buildEvents(w1, cmds);
        const one = await w1.block(events, { recordTimes: times, check: ACCEPT });

        const w2 = await setupWorld();
        const twice = await w2.block(events, { recordTimes: times, check: ACCEPT });
        expect(twice.fates.map(fateKey)).toEqual(one.fates.map(fateKey));
        expect(twice.stateRoot).toEqual(one.stateRoot);

        // several blocks, each opened over the previous one before it commits
        const w3 = await setupWorld();
        const bounds = [...new Set([0, ...cuts.filter((c) => c < events.length), events.length])].sort((a, b) => a - b);
        const fates: Fate[] = [];
        const pending = [];
        for (let i = 0; i + 1 < bounds.length; i++) {
          const r = await w3.block(events.slice(bounds[i], bounds[i + 1]), { recordTimes: times.slice(bounds[i], bounds[i + 1]), check: ACCEPT, commit: false });
          fates.push(...r.fates);
          pending.push(r);
        }
        for (const r of pending) await w3.commit(r);
        expect(fates.map(fateKey)).toEqual(one.fates.map(fateKey));

        const rec1 = await dumpRecords(w1);
        const rec3 = await dumpRecords(w3);
        expect([...rec3.keys()].sort()).toEqual([...rec1.keys()].sort());
        // the incremental trees agree with roots computed from scratch
        expect(rootOf(rec1, false)).toEqual(one.stateRoot);
        expect(rootOf(rec3, false)).toEqual(w3.store.stateRoot);
        expect(rootOf(rec3, true)).toEqual(rootOf(rec1, true));
      }),
      { numRuns: 40 },
    );
  });

  it('a bad signature is dropped and changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 20 }), async (cmds) => {
        const w = await setupWorld();
        const before = w.store.stateRoot;
        const { events, times } = buildEvents(w, cmds);
        const r = await w.block(events, { recordTimes: times, check: () => false });
        expect(r.fates.every((f) => f.kind === 'drop')).toBe(true);
        expect(r.stateRoot).toEqual(before);
      }),
      { numRuns: 20 },
    );
  });
});
