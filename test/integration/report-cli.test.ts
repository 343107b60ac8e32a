/**
 * `ledger report` and `ledger audit --report` on a stopped node's real LevelDB folder holding the
 * report scenario (test/helpers/report-chain.ts), whose figures are written there by hand.
 */
import { Level } from 'level';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyDb } from '../../ledger/state-store.js';
import { TestChain } from '../helpers/chain.js';
import { runCliAsync } from '../helpers/cli.js';
import { FROM_DATE, REPORT_EXPECTED_FIGURES, seedReportChain, TO_DATE } from '../helpers/report-chain.js';
import { tempDir } from '../helpers/temp.js';

const tmp = tempDir('report-cli');
const data = tmp.path;
const out = (name: string) => join(data, name);

beforeAll(async () => {
  const nodeDir = join(data, 'nodes', '1');
  mkdirSync(nodeDir, { recursive: true });
  const db = new Level<Uint8Array, Uint8Array>(nodeDir, { keyEncoding: 'view', valueEncoding: 'view' });
  const chain = await TestChain.create({ db: db as unknown as AnyDb });
  await seedReportChain(chain);
  writeFileSync(join(data, 'genesis.bin'), chain.genesis.bytes);
  await db.close();
}, 120_000);

afterAll(() => tmp.remove());

const report = (args: string[]) => runCliAsync(['report', '--data', data, '--from', FROM_DATE, '--to', TO_DATE, ...args]);

describe('ledger report', () => {
  it('JSON: every figure as written by hand; CSV: one line per figure; HTML: the Chinese document', async () => {
    const j = await report(['--format', 'json', '--out', out('report.json')]);
    expect(j.status, j.stderr).toBe(0);
    expect(j.stderr).toMatch(/figures for 3 departments at height \d+ written to/);
    const parsed = JSON.parse(readFileSync(out('report.json'), 'utf8'));
    expect(parsed.figures).toEqual(REPORT_EXPECTED_FIGURES);

    const c = await report(['--format', 'csv']);
    expect(c.status, c.stderr).toBe(0);
    const lines = c.stdout.trim().split('\n');
    expect(lines[0]).toBe('department_id,department_name,figure,value');
    expect(lines).toHaveLength(Object.keys(REPORT_EXPECTED_FIGURES).length + 1);
    expect(lines).toContain('dept.tax,dept.tax,accesses_served/total,2');

    const h = await report(['--format', 'html', '--out', out('report.html')]);
    expect(h.status, h.stderr).toBe(0);
    const html = readFileSync(out('report.html'), 'utf8');
    expect(html).toContain('政务信息资源共享绩效评估报告');
    expect(html).toContain('<svg class="chart"');
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it('ledger audit --report: the published report matches; an edited figure is named (exit 1)', async () => {
    const ok = await runCliAsync(['audit', '--data', data, '--report', out('report.json')]);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/every figure of the report \(\d+\) recomputed from the chain at height \d+ matches/);

    const edited = JSON.parse(readFileSync(out('report.json'), 'utf8'));
    edited.figures['dept.realestate/accesses_served/total'] = 3;
    writeFileSync(out('edited.json'), JSON.stringify(edited));
    const bad = await runCliAsync(['audit', '--data', data, '--report', out('edited.json')]);
    expect(bad.status, bad.stdout + bad.stderr).toBe(1);
    expect(bad.stdout).toContain('REPORT PROBLEM [REPORT_FIGURE_DIFFERS]');
    expect(bad.stdout).toContain('figure dept.realestate/accesses_served/total: the report says 3, the chain gives 2');

    const moved = { ...JSON.parse(readFileSync(out('report.json'), 'utf8')) };
    moved.anchor.headerHash = '00'.repeat(32);
    writeFileSync(out('moved.json'), JSON.stringify(moved));
    const other = await runCliAsync(['audit', '--data', data, '--report', out('moved.json')]);
    expect(other.status).toBe(1);
    expect(other.stdout).toContain('REPORT_ANCHOR_MISMATCH');
  });

  it('says what is wrong with its arguments (exit 2)', async () => {
    const noDates = await runCliAsync(['report', '--data', data]);
    expect(noDates.status).toBe(2);
    expect(noDates.stderr).toContain('--from YYYY-MM-DD --to YYYY-MM-DD');
    const badDate = await report(['--from', '2026-02-30']);
    expect(badDate.status).toBe(2);
    expect(badDate.stderr).toContain('--from 2026-02-30: no such date');
    const empty = await runCliAsync(['report', '--data', data, '--from', '2026-03-01', '--to', '2026-02-01']);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toContain('the window is empty');
    const format = await report(['--format', 'pdf']);
    expect(format.status).toBe(2);
    writeFileSync(out('garbage.json'), '{"format":"something"}');
    const garbage = await runCliAsync(['audit', '--data', data, '--report', out('garbage.json')]);
    expect(garbage.status).toBe(2);
    expect(garbage.stderr).toContain('is not a sharing report: format');
  });
});
