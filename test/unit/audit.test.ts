/**
 * The auditor (audit/audit.ts, verifier/audit-chain.ts) on copies of a real LevelDB node
 * folder written by the real pipeline (the scenario chain cut by a consensus core into LevelDB),
 * each copy tampered one way and reported at the exact place, with the right code: a flipped
 * byte in a stored event's body or signature, a deleted block, a changed result code, a changed
 * header field under its untouched commit, a changed projection record, a commit re-signed by a
 * key that is not the node's, a checkpoint from a forked chain and one from a longer chain. The
 * untouched copy passes at every level, and the checkpoint it saves proves the growth of the
 * next audit with an RFC 9162 consistency proof. --compare names the odd copy.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit, type AuditReport } from '../../audit/audit.js';
import { compareCopies } from '../../audit/audit-compare.js';
import { LevelDbChainSource } from '../../audit/leveldb-source.js';
import type { SignaturePool } from '../../consensus/signature-pool.js';
import { voteMessage } from '../../ledger/block.js';
import { toHex, u64be } from '../../ledger/bytes.js';
import type { LoadedGenesis } from '../../ledger/genesis.js';
import { headerHash } from '../../ledger/hash.js';
import { SigningKey } from '../../ledger/key-file.js';
import { atBytes } from '../../ledger/projection-records.js';
import { Queries } from '../../ledger/queries.js';
import { RESULT } from '../../ledger/result-codes.js';
import type { AnyDb } from '../../ledger/state-store.js';
import { decode, encode } from '../../proto/codec.js';
import { checkpointFromJson, checkpointToJson, type AuditCheckpoint } from '../../verifier/audit-checkpoint.js';
import type { AuditLevel } from '../../verifier/audit-chain.js';
import { TestChain } from '../helpers/chain.js';
import { buildScenarioChain } from '../helpers/scenario-chain.js';
import { tempDir } from '../helpers/temp.js';
import { AUTHORITY } from '../helpers/world.js';

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
const tmp = tempDir('audit');
const template = join(tmp.path, 'template');
let genesis: LoadedGenesis;
let head: bigint;
let tamperedAccess: { key: Uint8Array; height: bigint; index: number; eventId: string };
let copies = 0;
let pool: SignaturePool;

const openDb = (dir: string) => new Level<Uint8Array, Uint8Array>(dir, VIEW) as unknown as AnyDb;
const sub = (db: AnyDb, name: string) => db.sublevel<Uint8Array, Uint8Array>(name, VIEW);

/** A fresh copy of the template node folder, tampered by `tamper`. */
async function copy(tamper?: (db: AnyDb) => Promise<void>): Promise<string> {
  const dir = join(tmp.path, `copy-${++copies}`);
  cpSync(template, dir, { recursive: true });
  if (tamper) {
    const db = openDb(dir);
    await db.open();
    try {
      await tamper(db);
    } finally {
      await db.close();
    }
  }
  return dir;
}

async function auditDir(dir: string, level: AuditLevel = 'full', previous?: AuditCheckpoint): Promise<AuditReport> {
  const db = openDb(dir);
  await db.open();
  try {
    return await audit({ source: new LevelDbChainSource(db, genesis.bytes), anchor: genesis, level, db, pool, previous });
  } finally {
    await db.close();
  }
}

/** Reads, changes and writes back the stored block at `height`. */
async function editBlock(db: AnyDb, height: bigint, edit: (b: ReturnType<typeof decodeBlock>) => void): Promise<void> {
  const blocks = sub(db, 'blocks');
  const b = decodeBlock((await blocks.get(u64be(height)))!);
  edit(b);
  await blocks.put(u64be(height), encode('Block', b));
}
const decodeBlock = (bytes: Uint8Array) => decode('Block', bytes, genesis.limits);

/** A block with at least two events and an OK one, in the middle of the chain. */
let target: { height: bigint; okIndex: number };

beforeAll(async () => {
  mkdirSync(template, { recursive: true });
  const db = openDb(template);
  const { chain, facts } = await buildScenarioChain({ db });
  genesis = chain.genesis;
  head = chain.height;
  writeFileSync(join(tmp.path, 'genesis.bin'), genesis.bytes);
  const q = new Queries(chain.core.state, chain.projections!);
  const a = (await q.accessBySubject(facts.subject)).items[1]!;
  tamperedAccess = { key: atBytes(a.at), height: a.at.height, index: a.at.index, eventId: toHex(a.eventId) };
  for (let h = head / 2n; h <= head; h++) {
    const b = (await chain.core.blocks.block(h))!;
    const okIndex = b.events.findIndex((e) => e.resultCode === RESULT.OK);
    if (b.events.length >= 2 && okIndex >= 0) {
      target = { height: h, okIndex };
      break;
    }
  }
  await db.close();
  // the pool's workers run from dist/ (they are plain JavaScript files)
  const built = (await import('../../dist/consensus/signature-pool.js' as string)) as typeof import('../../consensus/signature-pool.js');
  pool = new built.SignaturePool(2);
}, 120_000);

afterAll(async () => {
  await pool?.close();
  tmp.remove();
});

describe('ledger audit on copies of a real LevelDB node folder', () => {
  it('verifies the untouched copy at every level, up to the head', async () => {
    const dir = await copy();
    for (const level of ['headers', 'merkle', 'full'] as const) {
      const r = await auditDir(dir, level);
      expect(r.finding, JSON.stringify(r.finding)).toBeNull();
      expect(r).toMatchObject({ ok: true, level, verifiedHeight: head.toString(), head: head.toString() });
      expect(r.newCheckpoint?.height).toBe(head);
    }
    const full = await auditDir(dir, 'full');
    expect(BigInt(full.logSize)).toBe(BigInt(full.events));
    expect(full.notChecked.join(' ')).toMatch(/records_digest/);
  });

  it('a flipped byte inside a stored event body: EVENT_SIGNATURE_INVALID at that block and event, field body', async () => {
    const { height, okIndex } = target;
    const dir = await copy((db) =>
      editBlock(db, height, (b) => {
        const body = b.events[okIndex]!.event!.body;
        body[body.length - 1]! ^= 0x01; // the last byte of the payload (a string or bytes value)
      }),
    );
    const r = await auditDir(dir, 'merkle');
    expect(r.ok).toBe(false);
    expect(r.finding).toMatchObject({ height: height.toString(), event: okIndex });
    expect(['EVENT_SIGNATURE_INVALID', 'EVENT_MALFORMED']).toContain(r.finding!.code);
    if (r.finding!.code === 'EVENT_SIGNATURE_INVALID') expect(r.finding!.field).toBe(`events[${okIndex}].event.body`);
    expect(r.verifiedHeight).toBe((height - 1n).toString());
    const full = await auditDir(dir, 'full');
    expect(full.finding).toMatchObject({ height: height.toString(), event: okIndex });
  });

  it('a flipped byte inside a stored signature: EVENT_SIGNATURE_INVALID, field signature', async () => {
    const { height, okIndex } = target;
    const dir = await copy((db) => editBlock(db, height, (b) => void (b.events[okIndex]!.event!.signature[5]! ^= 0x20)));
    const r = await auditDir(dir);
    expect(r.finding).toMatchObject({ code: 'EVENT_SIGNATURE_INVALID', height: height.toString(), event: okIndex, field: `events[${okIndex}].event.signature` });
  });

  it('a deleted block: BLOCK_MISSING at its height, verified up to the one before', async () => {
    const h = head - 3n;
    const dir = await copy((db) => sub(db, 'blocks').del(u64be(h)));
    const r = await auditDir(dir);
    expect(r.finding).toMatchObject({ code: 'BLOCK_MISSING', height: h.toString() });
    expect(r.verifiedHeight).toBe((h - 1n).toString());
  });

  it('a head record that does not name the last block: HEAD_MISMATCH at the head', async () => {
    const dir = await copy(async (db) => {
      const chainHead = sub(db, 'chain');
      const key = new TextEncoder().encode('head');
      const rec = (await chainHead.get(key))!;
      rec[20]! ^= 1; // inside the header hash
      await chainHead.put(key, rec);
    });
    const r = await auditDir(dir, 'headers');
    expect(r.finding).toMatchObject({ code: 'HEAD_MISMATCH', height: head.toString(), field: 'chain head' });
  });

  it('a changed result code: RESULTS_ROOT_MISMATCH at merkle level, RESULT_MISMATCH naming the event at full level', async () => {
    const { height, okIndex } = target;
    const dir = await copy((db) => editBlock(db, height, (b) => void (b.events[okIndex]!.resultCode = RESULT.UNAUTHORIZED)));
    const m = await auditDir(dir, 'merkle');
    expect(m.finding).toMatchObject({ code: 'RESULTS_ROOT_MISMATCH', height: height.toString(), field: 'results_root' });
    const f = await auditDir(dir, 'full');
    expect(f.finding).toMatchObject({ code: 'RESULT_MISMATCH', height: height.toString(), event: okIndex, field: `events[${okIndex}].result_code`, expected: 'OK', found: 'UNAUTHORIZED' });
  });

  it('a changed header field under its untouched commit: HEADER_NOT_COMMITTED naming the field', async () => {
    const { height } = target;
    const logRoot = await copy((db) => editBlock(db, height, (b) => void (b.header!.logRoot[0]! ^= 1)));
    expect((await auditDir(logRoot, 'merkle')).finding).toMatchObject({ code: 'HEADER_NOT_COMMITTED', height: height.toString(), field: 'header.log_root' });
    const stateRoot = await copy((db) => editBlock(db, height, (b) => void (b.header!.stateRoot[3]! ^= 1)));
    expect((await auditDir(stateRoot, 'full')).finding).toMatchObject({ code: 'HEADER_NOT_COMMITTED', height: height.toString(), field: 'header.state_root' });
    const headersOnly = await auditDir(stateRoot, 'headers');
    expect(headersOnly.finding).toMatchObject({ code: 'HEADER_NOT_COMMITTED', height: height.toString() });
    const time = await copy((db) => editBlock(db, height, (b) => void (b.header!.blockTimeMs += 1n)));
    const t = await auditDir(time, 'full');
    expect(t.finding).toMatchObject({ code: 'HEADER_NOT_COMMITTED', height: height.toString() });
    expect(t.finding!.field).toMatch(/block_time_ms/);
  });

  it('a changed projection record: PROJECTION_MISMATCH with its key and the event and height that last changed it', async () => {
    const dir = await copy(async (db) => {
      const access = sub(db, 'proj-access');
      const good = (await access.get(tamperedAccess.key))!;
      await access.put(tamperedAccess.key, Uint8Array.from(good, (b, i) => (i === good.length - 1 ? b ^ 1 : b)));
    });
    expect((await auditDir(dir, 'merkle')).ok).toBe(true); // the chain itself is intact
    const r = await auditDir(dir, 'full');
    expect(r.finding).toMatchObject({ code: 'PROJECTION_MISMATCH', table: 'proj-access', height: tamperedAccess.height.toString() });
    expect(r.finding!.changedBy).toEqual({ height: tamperedAccess.height.toString(), index: tamperedAccess.index, eventId: tamperedAccess.eventId });
  });

  it('a header changed and its commit re-signed by a key that is not a genesis node key: COMMIT_SIGNATURE_INVALID, QUORUM_NOT_MET', async () => {
    const { height } = target;
    const forger = SigningKey.generate();
    const dir = await copy(async (db) => {
      let hh: Uint8Array = new Uint8Array();
      await editBlock(db, height, (b) => {
        b.header!.stateRoot[0]! ^= 1;
        hh = headerHash(encode('BlockHeader', b.header!));
      });
      const commits = sub(db, 'commits');
      const c = decode('Commit', (await commits.get(u64be(height)))!, genesis.limits);
      c.headerHash = hh;
      c.signatures = [{ nodeIndex: 1, signature: forger.sign(voteMessage(genesis.hash, height, hh)), noteSignature: new Uint8Array() }];
      await commits.put(u64be(height), encode('Commit', c));
    });
    const r = await auditDir(dir, 'headers');
    expect(r.finding).toMatchObject({ code: 'COMMIT_SIGNATURE_INVALID', height: height.toString(), field: 'commit.signatures[0].signature' });
    expect(r.findings.map((f) => f.code)).toContain('QUORUM_NOT_MET');
  });

  it('checkpoints: the saved one proves growth by RFC 9162 consistency; one from a fork or a longer chain is refused', async () => {
    // an earlier checkpoint: audit a copy truncated to a lower height
    const low = head - 5n;
    const earlier = await copy(async (db) => {
      const chainHead = sub(db, 'chain');
      const b = decodeBlock((await sub(db, 'blocks').get(u64be(low)))!);
      const rec = new Uint8Array(48);
      rec.set(u64be(low), 0);
      rec.set(headerHash(encode('BlockHeader', b.header!)), 8);
      rec.set(u64be(b.header!.lastOffset + 1n), 40);
      await chainHead.put(new TextEncoder().encode('head'), rec);
    });
    const first = await auditDir(earlier, 'merkle');
    expect(first).toMatchObject({ ok: true, verifiedHeight: low.toString() });
    const saved = checkpointFromJson(checkpointToJson(first.newCheckpoint!));
    expect(saved).toEqual(first.newCheckpoint);
    expect(saved.note).toMatch(/^ledger\/property\/[0-9a-f]{16}\n\d+\n[A-Za-z0-9+/=]+\n\n\u2014 /);

    const dir = await copy();
    const grown = await auditDir(dir, 'merkle', saved);
    expect(grown.ok).toBe(true);
    expect(grown.checkpoint?.consistency).toMatchObject({ ok: true, code: 'OK', oldSize: saved.logSize.toString(), newSize: grown.logSize });
    expect(grown.checkpoint!.consistency!.proof.length).toBeGreaterThan(0);

    // the truncated copy audited against the newer checkpoint: the chain shrank
    const rolledBack = await auditDir(earlier, 'merkle', grown.newCheckpoint!);
    expect(rolledBack.finding).toMatchObject({ code: 'CHECKPOINT_AHEAD', height: head.toString() });

    // a forked chain with the same genesis: a checkpoint of it does not extend
    const fork = await TestChain.create({ maxBlockEvents: 4, rulesVersion: 1 });
    await fork.block([fork.w.register('dept.fork'), fork.w.register('dept.fork2')]);
    await fork.block([fork.w.register('dept.fork3', {}, AUTHORITY)]);
    expect(toHex(fork.genesis.hash)).toBe(toHex(genesis.hash));
    const forkHeader = (await fork.core.blocks.header(fork.height))!;
    const forked: AuditCheckpoint = { ...saved, height: fork.height, headerHash: headerHash(encode('BlockHeader', forkHeader)), logSize: forkHeader.logSize, logRoot: forkHeader.logRoot, blockTimeMs: forkHeader.blockTimeMs };
    const r = await auditDir(dir, 'merkle', forked);
    expect(r.finding).toMatchObject({ code: 'CHECKPOINT_INCONSISTENT', height: fork.height.toString(), field: 'logRoot' });
    expect(r.checkpoint?.consistency).toMatchObject({ ok: false });
    expect(r.findings.map((f) => f.field)).toContain('headerHash');

    expect(() => checkpointFromJson('{"format":"ledger-audit-checkpoint/v1","height":"x"}')).toThrow(/height: must be a decimal/);
  });

  it('--compare names the copy that differs, and where', async () => {
    const { height, okIndex } = target;
    const a = await copy();
    const b = await copy();
    const c = await copy((db) => editBlock(db, height, (blk) => void (blk.events[okIndex]!.resultCode = RESULT.UNAUTHORIZED)));
    const d = await copy(async (db) => {
      const access = sub(db, 'proj-access');
      const good = (await access.get(tamperedAccess.key))!;
      await access.put(tamperedAccess.key, Uint8Array.from(good, (x, i) => (i === good.length - 1 ? x ^ 1 : x)));
    });
    const dbs = [a, b, c, d].map(openDb);
    for (const db of dbs) await db.open();
    try {
      const r = await compareCopies(dbs.map((db, i) => ({ name: `node-${i + 1}`, db })), genesis);
      expect(r.ok).toBe(false);
      expect(r.odd).toEqual(['node-3', 'node-4']);
      expect(r.differences[0]).toMatchObject({ copy: 'node-3', code: 'COPY_DIFFERS', height: height.toString() });
      expect(r.differences[0]!.field).toMatch(new RegExp(`events\\[${okIndex}\\]\\.result_code`));
      expect(r.differences[1]).toMatchObject({ copy: 'node-4', table: 'proj-access', height: tamperedAccess.height.toString() });
      const same = await compareCopies([a, b].map((_, i) => ({ name: `n${i}`, db: dbs[i]! })), genesis);
      expect(same).toMatchObject({ ok: true, odd: [], differences: [] });
    } finally {
      for (const db of dbs) await db.close();
    }
  });
});
