/**
 * The OpenAPI document against the server, by an outside fuzzer (issues 27 and 22): schemathesis
 * (installed by scripts/install-schemathesis.sh into .cache/schemathesis) runs against an API node
 * in the signed mode over a real chain core (test/helpers/api-server.ts), reading the node's
 * authenticated document (a security requirement on every route that is not public), in three
 * passes:
 * - `auditor`: every request signed (RFC 9421, Ed25519) by the key of a department with the
 *   `audit` right on chain (rules version 2),
 *   or by the node key where the route admits the operator, by the Python hook
 *   test/helpers/schemathesis_hooks.py, so that the fuzzer reaches past authentication into
 *   every route; every phase and every check: every request the document calls valid is
 *   accepted, every one it calls invalid is refused with a 4xx, no 5xx, 405 with `Allow` for
 *   another method on a known path, and (ignored_auth) each signed operation refused unsigned and
 *   with a forged signature;
 * - `department`: signed by a department that is no auditor, so the per-department scopes
 *   (api/access-policy.ts) see fuzzed input; all checks but positive_data_acceptance (a
 *   schema-valid request for another department's records is refused with 403 or 404 by design);
 * - `unsigned`: no signature; the hook's check `unsigned_refused` requires 401 or 403 with an
 *   error code on every operation that is not public, and nothing may be a 5xx.
 * The server side watches every answer: no 5xx, no signed request of the hook refused as unsigned
 * or badly signed (the hook's signature base is the project's, byte for byte), every non-public
 * route served to a signed request in the auditor pass, and every unsigned request that reached
 * a non-public route answered 401.
 * `LEDGER_FUZZ_EXAMPLES` (examples per operation for the auditor pass, default 5: about 1,500
 * cases; the other passes take a third of it, at least 2) sets the size: the README's long mode
 * gives it 260 (over 10,000 cases in the auditor pass alone).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyOf } from '../../api/app.js';
import { expressPathOf } from '../../api/route-spec.js';
import { toHex } from '../../ledger/bytes.js';
import { PROJECT_ROOT } from '../../stack/package-info.js';
import { TestChain } from '../helpers/chain.js';
import { startTestApi, type TestApi } from '../helpers/api-server.js';
import { scratchDir } from '../helpers/kafka.js';
import { certIssued, grant, request, resource } from '../helpers/payloads.js';
import { seedOf } from '../helpers/world.js';

const VENV = join(PROJECT_ROOT, '.cache', 'schemathesis');
const ST = join(VENV, 'bin', 'schemathesis');
const HOOKS = join(PROJECT_ROOT, 'test', 'helpers', 'schemathesis_hooks.py');
const examples = Number(process.env.LEDGER_FUZZ_EXAMPLES ?? '5');
const sideExamples = Math.max(2, Math.ceil(examples / 3));
const AUDITOR = 'dept.audit';
const DEPARTMENT = 'dept.tax';

/** One answer of the node, as the server saw it. */
interface Seen {
  method: string;
  url: string;
  status: number;
  /** The request carried the hook's signature fields. */
  signed: boolean;
  /** `<method> <express path>` of the route it reached, if any. */
  route: string | undefined;
}

let chain: TestChain;
let node: TestApi | undefined;
let seen: Seen[] = [];
/** `<method> <express path>` -> whether the route is public. */
const publicByRoute = new Map<string, boolean>();

function observe(req: IncomingMessage, res: ServerResponse): void {
  const route = (req as Request).route as { path?: unknown } | undefined;
  const method = (req.method ?? '').toLowerCase() === 'head' ? 'get' : (req.method ?? '').toLowerCase();
  seen.push({
    method: req.method ?? '',
    url: req.url ?? '',
    status: res.statusCode,
    signed: req.headers['signature-input'] !== undefined,
    route: typeof route?.path === 'string' && publicByRoute.has(`${method} ${route.path}`) ? `${method} ${route.path}` : undefined,
  });
}

beforeAll(async () => {
  // rules version 2: the auditor is a department with the `audit` right on chain, as in production
  chain = await TestChain.create({ maxBlockEvents: 1000, rulesVersion: 2 });
  const w = chain.w;
  const registered = await chain.block([w.register('dept.bdc', { certificateTypeIds: ['BDC'], resourceIds: ['res.house'] }), w.register(DEPARTMENT), w.register(AUDITOR, { audit: true })]);
  expect(registered.codes).toEqual(['OK', 'OK', 'OK']);
  await chain.block([w.event('dept.bdc', certIssued('BDC:110105:2026-0001')), w.event('dept.bdc', resource('res.house', 2, ['坐落', '面积']))]);
  await chain.block([w.event(DEPARTMENT, request('req-1', 'res.house', ['面积']))]);
  await chain.block([w.event('dept.bdc', grant('req-1', ['面积'], 0n, 1n << 62n))]);
  node = await startTestApi(chain, {
    log: () => undefined,
    // The per-identity limits are tested in test/unit/api-auth.test.ts; here they are set out of
    // reach so that the fuzzer measures the routes, not the bucket (a 429 to a valid request would
    // fail positive_data_acceptance).
    access: { mode: 'signed', auditors: [], rateLimits: { write: { perSecond: 1e6, burst: 1e6 }, heavy: { perSecond: 1e6, burst: 1e6 } } },
    observe,
  });
  for (const r of node.api.routes) publicByRoute.set(`${r.method} ${expressPathOf(r)}`, policyOf(r).roles.includes('public'));
});

afterAll(async () => {
  await node?.stop();
});

function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: '1', PYTHONUNBUFFERED: '1', ...env } });
    let out = '';
    p.stdout.on('data', (d) => (out += String(d)));
    p.stderr.on('data', (d) => (out += String(d)));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out }));
  });
}

interface Signer {
  keyid: string;
  seed: Uint8Array;
  /** Sign the operations whose x-roles include one of these (absent: any operation). */
  forRoles?: string[];
}

/** The hook's key file: 0600, in a scratch folder, never printed. */
function signersFile(name: string, signers: Signer[]): string {
  const file = join(scratchDir(`api-fuzz-${name}`), 'signers.json');
  writeFileSync(file, JSON.stringify({ signers: signers.map((s) => ({ keyid: s.keyid, seedHex: toHex(s.seed), ...(s.forRoles ? { forRoles: s.forRoles } : {}) })) }), { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** Runs one schemathesis pass; returns the cases generated and what the node saw. */
async function fuzz(name: string, opts: { signers?: Signer[]; examples: number; checks: string[]; phases: string }): Promise<{ generated: number; seen: Seen[] }> {
  if (!existsSync(ST)) {
    throw new Error(`schemathesis is not installed at ${ST}: run scripts/install-schemathesis.sh (it needs python3 and python3-venv; Debian: apt-get install python3 python3-venv)`);
  }
  seen = [];
  const { code, out } = await run(
    ST,
    [
      '--config-file', join(PROJECT_ROOT, 'schemathesis.toml'),
      'run',
      `${node!.base}/v1/openapi.json`,
      ...opts.checks,
      '--phases', opts.phases,
      '--max-examples', String(opts.examples),
      '--seed', process.env.LEDGER_FUZZ_SEED ?? '27',
      '--workers', process.env.LEDGER_FUZZ_WORKERS ?? '1',
      '--request-timeout', '30',
      '--suppress-health-check', 'too_slow',
    ],
    { SCHEMATHESIS_HOOKS: HOOKS, ...(opts.signers ? { LEDGER_FUZZ_SIGNERS: signersFile(name, opts.signers) } : { LEDGER_FUZZ_SIGNERS: '' }) },
  );
  // The full report goes to a file, not to the test output: its closing line is pytest's shape
  // ("== 2 warnings in 7.16s =="), which a reader of the suite's closing lines takes for a run of
  // zero tests.
  const reportFile = join(PROJECT_ROOT, '.cache', `api-fuzz-report-${name}.txt`);
  mkdirSync(dirname(reportFile), { recursive: true });
  writeFileSync(reportFile, out);
  const cases = /(\d+) generated, (\d+) passed/.exec(out);
  const serverErrors = seen.filter((s) => s.status >= 500).length;
  process.stdout.write(
    `[api-fuzz] ${name}: schemathesis ${cases ? `${cases[1]} cases generated, ${cases[2]} passed` : 'gave no case summary'}; the node answered ${seen.length} requests, ${serverErrors} with a 5xx (full report: ${reportFile})\n`,
  );
  expect(code, out.slice(-20_000)).toBe(0);
  // the summary line: `N generated, N passed` (no failures, no errors)
  expect(out).not.toMatch(/\d+ (failures?|errors?)\b(?! in)/);
  const generated = Number(/(\d+) generated/.exec(out)?.[1] ?? 0);
  expect(serverErrors, seen.filter((s) => s.status >= 500).slice(0, 20).map((s) => `${s.method} ${s.url} ${s.status}`).join('\n')).toBe(0);
  return { generated, seen };
}

/** The hook's own signatures always verify: a signed request answered 401 means its signature base is not the project's. */
function expectNoSignedRequestRefusedAsUnsigned(s: Seen[]): void {
  const refused = s.filter((x) => x.signed && x.status === 401);
  expect(refused.map((x) => `${x.method} ${x.url}`).slice(0, 20), `${refused.length} signed requests answered 401`).toEqual([]);
}

/** Every request without the hook's signature that reached a non-public route was answered 401. */
function expectUnsignedRefused(s: Seen[]): void {
  const served = s.filter((x) => !x.signed && x.route !== undefined && !publicByRoute.get(x.route) && x.status !== 401);
  expect(served.map((x) => `${x.method} ${x.url} ${x.status}`).slice(0, 20), `${served.length} unsigned requests to non-public routes not answered 401`).toEqual([]);
}

const operator: Signer = { keyid: 'node/1', seed: seedOf('node-1'), forRoles: ['operator'] };
const auditor: Signer = { keyid: `department/${AUDITOR}/1`, seed: seedOf(`${AUDITOR}#1`) };
const department: Signer = { keyid: `department/${DEPARTMENT}/1`, seed: seedOf(`${DEPARTMENT}#1`) };

describe('schemathesis against a node in the signed mode', () => {
  const timeout = examples > 50 ? 3_600_000 : 600_000;

  it('auditor pass: signed requests reach every route, no failure and no server error with all checks', { timeout }, async () => {
    const { generated, seen: s } = await fuzz('auditor', { signers: [operator, auditor], examples, checks: ['--checks', 'all'], phases: 'examples,coverage,fuzzing,stateful' });
    expect(generated, 'schemathesis generated too few cases').toBeGreaterThan(examples * 30);
    expectNoSignedRequestRefusedAsUnsigned(s);
    // past authentication into every route: each non-public route answered a signed request with something other than 401/403
    const reached = new Set(s.filter((x) => x.signed && x.route !== undefined && x.status !== 401 && x.status !== 403).map((x) => x.route!));
    const nonPublic = [...publicByRoute].filter(([, isPublic]) => !isPublic).map(([r]) => r);
    expect(nonPublic.filter((r) => !reached.has(r)), 'non-public routes no signed request got past authentication on').toEqual([]);
    const served = s.filter((x) => x.signed && x.route !== undefined && !publicByRoute.get(x.route) && x.status >= 200 && x.status < 300).length;
    process.stdout.write(`[api-fuzz] auditor: ${served} signed requests to non-public routes answered 2xx\n`);
    expect(served).toBeGreaterThan(nonPublic.length);
    // schemathesis also asked every non-public route unsigned (ignored_auth's probes, and cases
    // whose Signature it left out or forged), and each such request was refused
    expectUnsignedRefused(s);
    const probed = new Set(s.filter((x) => !x.signed && x.route !== undefined && !publicByRoute.get(x.route)).map((x) => x.route!));
    expect(nonPublic.filter((r) => !probed.has(r)), 'non-public routes schemathesis never asked unsigned').toEqual([]);
  });

  it("department pass: a department's scopes under fuzzed input, no server error", { timeout }, async () => {
    const { generated, seen: s } = await fuzz('department', { signers: [department], examples: sideExamples, checks: ['--checks', 'all', '--exclude-checks', 'positive_data_acceptance'], phases: 'examples,coverage,fuzzing,stateful' });
    expect(generated, 'schemathesis generated too few cases').toBeGreaterThan(sideExamples * 30);
    expectNoSignedRequestRefusedAsUnsigned(s);
    expectUnsignedRefused(s);
    // the department is served the catalogue and refused the auditor's routes
    expect(s.some((x) => x.signed && x.route === 'get /v1/resources' && x.status === 200)).toBe(true);
    expect(s.some((x) => x.signed && x.route === 'get /v1/stats/departments' && x.status === 403)).toBe(true);
  });

  it('unsigned pass: every non-public route refused with 401/403 and a code, no server error', { timeout }, async () => {
    const { generated, seen: s } = await fuzz('unsigned', { examples: sideExamples, checks: ['--checks', 'all', '--exclude-checks', 'positive_data_acceptance'], phases: 'examples,coverage,fuzzing' });
    expect(generated, 'schemathesis generated too few cases').toBeGreaterThan(sideExamples * 30);
    expect(s.some((x) => x.signed)).toBe(false);
    expectUnsignedRefused(s);
    expect(s.filter((x) => x.route !== undefined && !publicByRoute.get(x.route)).length).toBeGreaterThan(sideExamples * 10);
  });
});
