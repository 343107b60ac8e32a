/**
 * `ledger rebuild` on a real LevelDB node folder (never mocked), laid out as a stack's data folder
 * (DESIGN.md section 11: `<data>/genesis.bin`, `<data>/nodes/<n>/`): a clean chain rebuilds with
 * every state root and no difference; a folder locked by a running process is refused; an
 * altered projection record is reported with its height and event (exit 1) and repaired by
 * --apply; --node-dir finds the genesis two folders up.
 */
import { Level } from 'level';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../ledger/bytes.js';
import { atBytes } from '../../ledger/projection-records.js';
import { Queries } from '../../ledger/queries.js';
import type { AnyDb } from '../../ledger/state-store.js';
import { runCli } from '../helpers/cli.js';
import { buildScenarioChain } from '../helpers/scenario-chain.js';
import { tempDir } from '../helpers/temp.js';

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
const tmp = tempDir('rebuild');
const data = tmp.path;
const nodeDir = join(data, 'nodes', '1');
let tampered: { key: Uint8Array; height: bigint; index: number; eventId: string };

const open = () => new Level<Uint8Array, Uint8Array>(nodeDir, VIEW);

beforeAll(async () => {
  mkdirSync(nodeDir, { recursive: true });
  const db = open();
  const { chain, facts } = await buildScenarioChain({ db: db as unknown as AnyDb });
  writeFileSync(join(data, 'genesis.bin'), chain.genesis.bytes);
  const q = new Queries(chain.core.state, chain.projections!);
  const a = (await q.accessBySubject(facts.subject)).items[1]!;
  tampered = { key: atBytes(a.at), height: a.at.height, index: a.at.index, eventId: toHex(a.eventId) };
  await db.close();
});

afterAll(() => tmp.remove());

describe('ledger rebuild on a LevelDB node folder', () => {
  it('replays a clean chain: every state root, no difference (exit 0)', () => {
    const r = runCli(['rebuild', '--data', data, '--node', '1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: true, stateRootsMatch: true, differences: 0, applied: false });
    expect(Number(report.blocks)).toBeGreaterThan(10);
    expect(r.stderr).toBe(''); // no progress bar when stderr is not a terminal
  });

  it('refuses a folder that a running node holds (STORE_LOCKED, exit 2)', async () => {
    const db = open();
    await db.open();
    try {
      const r = runCli(['rebuild', '--data', data, '--node', '1']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/error \[STORE_LOCKED\]: .*in use by another process/);
    } finally {
      await db.close();
    }
  });

  it('reports an altered projection record with its height and event (exit 1); --apply repairs it', async () => {
    const db = open();
    const access = db.sublevel<Uint8Array, Uint8Array>('proj-access', VIEW);
    const good = (await access.get(tampered.key))!;
    await access.put(tampered.key, Uint8Array.from(good, (b, i) => (i === good.length - 1 ? b ^ 1 : b)));
    await db.close();

    const r = runCli(['rebuild', '--data', data, '--json']);
    expect(r.status, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: false, stateRootsMatch: true, differences: 1, byTable: { 'proj-access': 1 } });
    expect(report.firstDifference.changedBy).toEqual({ height: tampered.height.toString(), index: tampered.index, eventId: tampered.eventId });
    expect(report.firstDifference.expected).toBe(toHex(good));

    const text = runCli(['rebuild', '--node-dir', nodeDir]);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(`last changed by event ${tampered.eventId} at height ${tampered.height}`);
    expect(text.stdout).toContain('--apply');

    const fixed = runCli(['rebuild', '--data', data, '--apply', '--json']);
    expect(fixed.status, fixed.stderr).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ ok: true, applied: true });
    const again = runCli(['rebuild', '--data', data, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, differences: 0 });
  });

  it('says what is wrong with the folder options (exit 2)', () => {
    expect(runCli(['rebuild']).stderr).toMatch(/error \[USAGE\]: give --data DIR/);
    const none = runCli(['rebuild', '--data', join(data, 'nowhere')]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/FILE_UNREADABLE/);
  });
});
