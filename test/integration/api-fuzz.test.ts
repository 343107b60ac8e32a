/**
 * The OpenAPI document against the server, by an outside fuzzer (issue 27): schemathesis
 * (installed by scripts/install-schemathesis.sh into .cache/schemathesis) runs every phase and
 * every check against a running API node over a real chain core (test/helpers/api-server.ts) and
 * must find no failure: every request the document calls valid is accepted, every one it calls
 * invalid is refused with a 4xx, no 5xx, 405 with `Allow` for another method on a known path.
 * `LEDGER_FUZZ_EXAMPLES` (examples per operation, default 5: about a thousand cases) sets the size: the README's long mode
 * gives it 60 (at least 10,000 cases).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../stack/package-info.js';
import { TestChain } from '../helpers/chain.js';
import { startTestApi, type TestApi } from '../helpers/api-server.js';
import { certIssued, request, resource } from '../helpers/payloads.js';

const ST = join(PROJECT_ROOT, '.cache', 'schemathesis', 'bin', 'schemathesis');
const examples = Number(process.env.LEDGER_FUZZ_EXAMPLES ?? '5');

let chain: TestChain;
let node: TestApi | undefined;

beforeAll(async () => {
  chain = await TestChain.create({ maxBlockEvents: 1000 });
  const w = chain.w;
  await chain.block([w.register('dept.bdc', { certificateTypeIds: ['BDC'], resourceIds: ['res.house'] }), w.register('dept.tax')]);
  await chain.block([w.event('dept.bdc', certIssued('BDC:110105:2026-0001')), w.event('dept.bdc', resource('res.house', 2, ['坐落', '面积']))]);
  await chain.block([w.event('dept.tax', request('req-1', 'res.house', ['面积']))]);
  node = await startTestApi(chain);
});

afterAll(async () => {
  await node?.stop();
});

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: '1', PYTHONUNBUFFERED: '1' } });
    let out = '';
    p.stdout.on('data', (d) => (out += String(d)));
    p.stderr.on('data', (d) => (out += String(d)));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out }));
  });
}

describe('schemathesis against a running node', () => {
  it('finds no failure and no server error with all checks', { timeout: examples > 50 ? 3_600_000 : 600_000 }, async () => {
    if (!existsSync(ST)) {
      throw new Error(`schemathesis is not installed at ${ST}: run scripts/install-schemathesis.sh (it needs python3 and python3-venv; Debian: apt-get install python3 python3-venv)`);
    }
    const { code, out } = await run(ST, [
      '--config-file', join(PROJECT_ROOT, 'schemathesis.toml'),
      'run',
      `${node!.base}/v1/openapi.json`,
      '--checks', 'all',
      '--phases', 'examples,coverage,fuzzing,stateful',
      '--max-examples', String(examples),
      '--seed', process.env.LEDGER_FUZZ_SEED ?? '27',
      '--workers', process.env.LEDGER_FUZZ_WORKERS ?? '1',
      '--request-timeout', '30',
      '--suppress-health-check', 'too_slow',
    ]);
    // The full report goes to a file, not to the test output: its closing line is pytest's shape
    // ("== 2 warnings in 7.16s ==", no "passed"), which a reader of the suite's closing lines takes
    // for a run of zero tests.
    const reportFile = join(PROJECT_ROOT, '.cache', 'api-fuzz-report.txt');
    mkdirSync(dirname(reportFile), { recursive: true });
    writeFileSync(reportFile, out);
    const cases = /(\d+) generated, (\d+) passed/.exec(out);
    process.stdout.write(`[api-fuzz] schemathesis: ${cases ? `${cases[1]} cases generated, ${cases[2]} passed` : 'no case summary'} (full report: ${reportFile})\n`);
    expect(code, out.slice(-20_000)).toBe(0);
    // the summary line: `N generated, N passed` (no failures, no errors)
    const generated = Number(/(\d+) generated/.exec(out)?.[1] ?? 0);
    expect(generated, 'schemathesis generated no cases').toBeGreaterThan(examples * 30);
    expect(out).not.toMatch(/\d+ (failures?|errors?)\b(?! in)/);
  });
});
