/**
 * @module stack/demo
 * The demo of every scenario on a running local cluster (issue 13): department keys, one durable
 * outbox per department (producers/department-client.ts), the phases of stack/demo-scenario.ts
 * published in order (each acknowledged by Kafka before the next, so offsets keep the phases in
 * order), a wait until the nodes committed everything, then the trust anchor and sample bundles
 * (binary, JSON, QR) written into `<data>/demo/samples/` for the reader page and `ledger verify`.
 *
 * Resuming: a department's n-th step is its sequence number n; the outbox knows the next number
 * (and re-sends whatever Kafka never acknowledged), and the API, when it answers, tells the
 * department's next sequence on chain. Steps already taken are never published again.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createKafka } from '../kafka/client.js';
import { KAFKA_CREDENTIALS_ENV } from '../kafka/credentials.js';
import { toHex } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { loadKeyFile, writeNewKeyFile, type SigningKey } from '../ledger/key-file.js';
import { DepartmentClient } from '../producers/department-client.js';
import { buildDisclosure, disclosureToJson } from '../ledger/disclosure.js';
import { buildPayload, mergeSalts, parseSaltsFile, writeSaltsFile, type SaltsFile } from '../producers/payloads.js';
import { DEMO_AUDITOR_ID, DEMO_AUTHORITY, DEMO_CERTIFICATES, DEMO_DEPARTMENTS, DEMO_GRANTS, DEMO_HOUSEHOLD_SUBJECT, DEMO_UNKNOWN_CERTIFICATE, DEMO_VERIFICATION, demoPhases, demoSigners, HOLDERS, type StepContext } from './demo-scenario.js';
import { recordDemoVerification, type DemoVerificationResult } from './demo-verification.js';
import { writeBundle } from '../proofs/bundle-files.js';
import { chainNextSequence } from './chain-sequence.js';
import { fetchStatus, type LocalCluster } from './local-cluster.js';
import { householdSecretFile, runDemoExchange, type DemoExchangeResult } from './demo-exchange.js';
import { demoLayout, type DemoLayout } from './demo-layout.js';

export { demoLayout, fileNameOf, type DemoLayout } from './demo-layout.js';

/** A sample bundle written for readers, with the verdict the demo expects. */
export interface SampleBundle {
  name: string;
  kind: 'certificate' | 'grant';
  id: string;
  expect: 'VALID' | 'REVOKED' | 'EXPIRED' | 'UNKNOWN';
  description: string;
  binary: string;
  json: string;
  /** Absent when the bundle does not fit one QR code. */
  qr?: string;
  /** The holder's salts file for a certificate (holder and attribute checks). */
  salts?: string;
  document?: string;
  /** A disclosure of DISCLOSED_ATTRIBUTES (the page's and `ledger verify --disclose`'s attribute check). */
  disclosure?: string;
}

export interface DemoResult {
  /** The stack's data folder (DATA); the demo's files are in `layout.root` (DATA/demo). */
  stackRoot: string;
  layout: DemoLayout;
  published: number;
  skipped: number;
  /** The API the samples came from (undefined when no node serves it). */
  apiUrl: string | undefined;
  /** The stack's CA certificate when its nodes serve HTTPS (issue 22). */
  caFile: string | undefined;
  anchor: { file: string; hash: string };
  samples: SampleBundle[];
  /** What could not be written, and why. */
  notes: string[];
  /** The household check through the exchange points (absent when no node serves the API). */
  exchange?: DemoExchangeResult;
  /** The second bank's online verification of the mortgaged property (用证留痕), when a node serves the API. */
  verification?: DemoVerificationResult;
  /** With the stack's SASL broker (issue 22): where the principals' credentials are, and the court's, which the printed example uses. */
  kafka?: { credentialsDir: string; exampleCredentials: string };
}

export interface DemoOptions {
  log?: (line: string) => void;
  /** How long to wait for the nodes to commit what the demo published (default 180 s). */
  commitTimeoutMs?: number;
}

function loadOrCreateKey(path: string): SigningKey {
  return existsSync(path) ? loadKeyFile(path) : writeNewKeyFile(path);
}

/** The node answering the API (`/v1/genesis`), or undefined. */
export async function findApi(cluster: LocalCluster): Promise<string | undefined> {
  for (const n of cluster.nodes) {
    try {
      const r = await fetch(`${n.url}/v1/genesis`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return n.url;
    } catch {
      /* not this one */
    }
  }
  return undefined;
}

/** `fn` over `items`, at most `size` at a time (a new Kafka principal is a JVM run of a few seconds). */
async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return results;
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new LedgerError('UNAVAILABLE', `the demo waited ${Math.round(timeoutMs / 1000)} s for ${what}`, {});
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Publishes what is not yet published of the demo scenario, waits until every node committed it,
 * and writes the trust anchor and the sample bundles.
 */
export async function runDemo(cluster: LocalCluster, options: DemoOptions = {}): Promise<DemoResult> {
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const layout = demoLayout(cluster.layout.root);
  for (const d of [layout.root, layout.outboxDir, layout.documentsDir, layout.samplesDir]) mkdirSync(d, { recursive: true });
  // keys and holders' salts: private folders (mkdir's mode applies only to a new folder, and a
  // folder made by an earlier run may be 0755: issue 17)
  for (const d of [layout.keysDir, layout.holdersDir]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    chmodSync(d, 0o700);
  }

  await waitUntil('the nodes to start consuming', 120_000, async () => (await Promise.all(cluster.nodes.map((n) => fetchStatus(n.url)))).every((s) => s?.phase === 'consuming'));
  const apiUrl = await findApi(cluster);

  // keys: the stack's authority, and one per department (made on first run, mode 0600)
  const keys = new Map<string, SigningKey>([[DEMO_AUTHORITY, loadKeyFile(cluster.layout.authorityKey)]]);
  for (const d of DEMO_DEPARTMENTS) keys.set(d.id, loadOrCreateKey(layout.key(d.id)));

  // each department produces as its own Kafka principal (issue 22): one client per department; a
  // signer with no step of its own gets none and could not produce
  const producing = [...new Set(demoPhases().flatMap((p) => p.steps.map((s) => s.department)))];
  const kafkaCredentials = new Map(await inBatches(producing, 3, async (d) => [d, await cluster.kafka.departmentCredentials(d)] as const));
  const clients = new Map<string, DepartmentClient>();
  let published = 0;
  let skipped = 0;
  try {
    for (const d of demoSigners()) {
      const onChain = await chainNextSequence(apiUrl, d);
      const credentials = kafkaCredentials.has(d) ? kafkaCredentials.get(d) : null;
      const client = await DepartmentClient.open({
        kafka: createKafka({ brokers: cluster.brokers, clientId: `ledger-demo-${d}`, credentials }),
        channel: cluster.genesis.genesis.channel,
        departmentId: d,
        keyVersion: 1,
        key: keys.get(d)!,
        stateDir: join(layout.outboxDir, d),
        ...(onChain !== undefined ? { initialSequence: onChain } : {}),
      });
      if (onChain !== undefined && onChain > client.outbox.nextSequence) {
        throw new LedgerError('CONFLICT', `${d} is at sequence ${onChain} on chain but its demo outbox (${join(layout.outboxDir, d)}) is at ${client.outbox.nextSequence}: the outbox is not this chain's`, {});
      }
      clients.set(d, client);
    }
    // steps done per department: its first (next - 1) steps
    const done = new Map([...clients].map(([d, c]) => [d, c.outbox.nextSequence - 1n]));
    const ordinal = new Map<string, bigint>();
    const ctx: StepContext = {
      nowMs: Date.now(),
      publicKeyHex: (d) => keys.get(d)!.publicKeyHex,
      documentFile: (id, attrs) => {
        const path = layout.document(id);
        if (!existsSync(path)) writeFileSync(path, `不动产权证书 ${id}\n${Object.entries(attrs).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`);
        return path;
      },
      householdSecretHex: () => {
        // issued to the household with its consent (a private file, as the holders' salts are)
        const path = householdSecretFile(layout);
        if (!existsSync(path)) writeFileSync(path, `${JSON.stringify({ subject: DEMO_HOUSEHOLD_SUBJECT, secret: toHex(new Uint8Array(randomBytes(32))) }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
        return (JSON.parse(readFileSync(path, 'utf8')) as { secret: string }).secret;
      },
    };
    for (const phase of demoPhases()) {
      const receipts: Array<Promise<unknown>> = [];
      for (const step of phase.steps) {
        const n = (ordinal.get(step.department) ?? 0n) + 1n;
        ordinal.set(step.department, n);
        if (n <= done.get(step.department)!) {
          skipped++;
          continue;
        }
        ctx.nowMs = Date.now();
        const built = buildPayload(step.type, step.input(ctx), `demo step "${step.note}": `);
        if (built.salts) {
          // the holder's file is written before the event is stored (as `ledger event` does)
          const path = layout.salts(built.salts.certificate);
          const previous: SaltsFile | undefined = existsSync(path) ? parseSaltsFile(readFileSync(path, 'utf8'), path) : undefined;
          if (previous && built.type === 'transfer-certificate') writeSaltsFile(`${path}.before-transfer`, previous, { replace: true });
          writeSaltsFile(path, mergeSalts(built.salts, built.type === 'issue-certificate' ? undefined : previous), { replace: true });
          const issued = built.payload.certificateIssued;
          // kept so that this and later runs know when a short-lived certificate has expired
          if (issued) writeFileSync(`${path}.valid-until`, `${issued.validUntilMs}\n`);
        }
        const queued = await clients.get(step.department)!.enqueue(built.payload);
        receipts.push(queued.receipt);
        published++;
        log(`  ${phase.name}: ${step.note}`);
      }
      await Promise.all(receipts);
      for (const c of clients.values()) await c.flush(60_000);
    }
    // the last offset any demo event has; the nodes must have committed past it
    let lastOffset = -1n;
    for (const c of clients.values()) {
      const last = c.outbox.nextSequence - 1n;
      if (last < 1n) continue;
      const e = await c.outbox.entry(last);
      if (e?.offset !== undefined && e.offset > lastOffset) lastOffset = e.offset;
    }
    log(`published ${published} event(s)${skipped ? `, ${skipped} already on chain from an earlier run` : ''}; waiting for the nodes to commit through offset ${lastOffset}`);
    await waitUntil(`the nodes to commit through offset ${lastOffset}`, options.commitTimeoutMs ?? 180_000, async () =>
      (await Promise.all(cluster.nodes.map((n) => fetchStatus(n.url)))).every((s) => s !== undefined && BigInt(s.committedOffset as string) > lastOffset),
    );
  } finally {
    for (const c of clients.values()) await c.close().catch(() => undefined);
  }
  // after the demo's clients closed: the exchange points publish through the same outboxes
  const exchange = apiUrl === undefined ? undefined : await runDemoExchange(cluster, layout, apiUrl, log);

  // the expiring certificate: wait until its validity has passed on the reader's clock
  const expiredSalts = layout.salts(DEMO_CERTIFICATES.expired);
  const expiring = readIssuedValidUntil(expiredSalts);
  if (expiring !== undefined && Date.now() <= expiring) {
    log(`waiting ${Math.ceil((expiring - Date.now()) / 1000)} s for the short-lived certificate to expire`);
    await new Promise((r) => setTimeout(r, expiring - Date.now() + 1000));
  }

  let verification: DemoVerificationResult | undefined;
  if (apiUrl !== undefined) {
    verification = await recordDemoVerification(apiUrl, cluster.genesis, keys.get(DEMO_VERIFICATION.verifierDepartmentId)!);
    log(`  用证留痕: ${verification.verifierDepartmentId} verified ${verification.certificateId} online${verification.recordedNow ? ` (event ${verification.eventId!.slice(0, 16)}…)` : ' (recorded by an earlier run)'}`);
  }

  const result = await writeSamples(cluster, layout, apiUrl);
  const exampleCredentials = cluster.kafka.departmentCredentialsFile(KAFKA_EXAMPLE.department);
  const kafka = cluster.kafka.credentialsDir !== undefined && exampleCredentials !== undefined ? { credentialsDir: cluster.kafka.credentialsDir, exampleCredentials } : undefined;
  return { ...(kafka ? { kafka } : {}), stackRoot: cluster.layout.root, layout, published, skipped, apiUrl, caFile: cluster.caFile, ...result, ...(exchange ? { exchange } : {}), ...(verification !== undefined ? { verification } : {}) };
}

/** The valid-until the demo recorded beside a certificate's salts file when it issued it. */
function readIssuedValidUntil(saltsPath: string): number | undefined {
  const meta = `${saltsPath}.valid-until`;
  if (existsSync(meta)) return Number(readFileSync(meta, 'utf8').trim());
  return undefined;
}

const SAMPLE_TARGETS: Array<Omit<SampleBundle, 'binary' | 'json' | 'qr' | 'salts' | 'document'>> = [
  { name: 'certificate-valid', kind: 'certificate', id: DEMO_CERTIFICATES.valid, expect: 'VALID', description: '有效的不动产权证书 / a valid property certificate' },
  { name: 'certificate-transferred', kind: 'certificate', id: DEMO_CERTIFICATES.transferred, expect: 'VALID', description: '已转移登记的证书（新权利人）/ a transferred certificate (new holder)' },
  { name: 'certificate-revoked', kind: 'certificate', id: DEMO_CERTIFICATES.revoked, expect: 'REVOKED', description: '已注销的证书 / a revoked certificate' },
  { name: 'certificate-expired', kind: 'certificate', id: DEMO_CERTIFICATES.expired, expect: 'EXPIRED', description: '已过有效期的证书 / an expired certificate' },
  { name: 'certificate-unknown', kind: 'certificate', id: DEMO_UNKNOWN_CERTIFICATE, expect: 'UNKNOWN', description: '从未签发的证书编号 / a certificate number never issued' },
  { name: 'certificate-mortgaged', kind: 'certificate', id: DEMO_CERTIFICATES.mortgaged, expect: 'VALID', description: '已设定抵押的证书（顺位 1）/ a mortgaged certificate (rank 1)' },
  { name: 'certificate-seized', kind: 'certificate', id: DEMO_CERTIFICATES.seized, expect: 'VALID', description: '已被法院查封的证书（警告）/ a certificate seized by a court (warning)' },
  { name: 'grant-active', kind: 'grant', id: DEMO_GRANTS.tax, expect: 'VALID', description: '有效的共享授权（税务收入）/ an active share grant (income)' },
  { name: 'grant-revoked', kind: 'grant', id: DEMO_GRANTS.insurance, expect: 'REVOKED', description: '已撤销的共享授权（社保）/ a revoked share grant (social insurance)' },
];

/** The attributes the sample disclosures reveal. */
export const DISCLOSED_ATTRIBUTES = ['坐落', '面积'];

/** A bundle from the API larger than this is not written (bundles are a few KiB). */
const MAX_SAMPLE_BYTES = 256 * 1024;

/** Writes the trust anchor and, through the API's bundle routes, the sample bundles. */
export async function writeSamples(cluster: LocalCluster, layout: DemoLayout, apiUrl: string | undefined): Promise<{ anchor: { file: string; hash: string }; samples: SampleBundle[]; notes: string[] }> {
  const notes: string[] = [];
  const anchorFile = join(layout.samplesDir, 'trust-anchor.genesis.bin');
  copyFileSync(cluster.layout.genesis, anchorFile);
  const hash = toHex(cluster.genesis.hash);
  writeFileSync(join(layout.samplesDir, 'trust-anchor.sha256.txt'), `${hash}\n`);
  const samples: SampleBundle[] = [];
  if (apiUrl === undefined) {
    notes.push('no node serves the API (/v1): sample bundles were not written');
  } else {
    for (const t of SAMPLE_TARGETS) {
      const base = `${apiUrl}/v1/${t.kind === 'certificate' ? 'certificates' : 'grants'}/${encodeURIComponent(t.id)}/bundle`;
      try {
        const bin = await fetch(`${base}?format=binary`, { signal: AbortSignal.timeout(15_000) });
        if (!bin.ok) {
          notes.push(`${t.name}: the API answered ${bin.status} ${(await bin.text()).slice(0, 200)}`);
          continue;
        }
        const bytes = new Uint8Array(await bin.arrayBuffer());
        if (bytes.length === 0 || bytes.length > MAX_SAMPLE_BYTES) {
          notes.push(`${t.name}: the API answered ${bytes.length} bytes, not a bundle of at most ${MAX_SAMPLE_BYTES}`);
          continue;
        }
        const sample: SampleBundle = { ...t, binary: `${t.name}.bundle.bin`, json: `${t.name}.bundle.json` };
        // the three forms as `ledger proof --format` writes them
        await writeBundle(bytes, join(layout.samplesDir, sample.binary), 'binary', true);
        await writeBundle(bytes, join(layout.samplesDir, sample.json), 'json', true);
        try {
          await writeBundle(bytes, join(layout.samplesDir, `${t.name}.qr.png`), 'qr', true);
          sample.qr = `${t.name}.qr.png`;
        } catch (e) {
          notes.push(`${t.name}: no QR code (${(e as Error).message})`);
        }
        if (t.kind === 'certificate' && existsSync(layout.salts(t.id))) {
          sample.salts = layout.salts(t.id);
          sample.document = layout.document(t.id);
          // what a holder shows a bank: the address and the floor area, nothing else (ledger disclose)
          const salts = parseSaltsFile(readFileSync(sample.salts, 'utf8'), sample.salts);
          sample.disclosure = `${t.name}.disclosure.json`;
          writeFileSync(join(layout.samplesDir, sample.disclosure), `${JSON.stringify(disclosureToJson(buildDisclosure(salts, DISCLOSED_ATTRIBUTES)), null, 2)}\n`);
        }
        samples.push(sample);
      } catch (e) {
        notes.push(`${t.name}: ${(e as Error).message}`);
      }
    }
  }
  writeFileSync(
    join(layout.samplesDir, 'index.json'),
    `${JSON.stringify({ anchor: { file: 'trust-anchor.genesis.bin', sha256: hash }, apiUrl: apiUrl ?? null, samples, notes }, null, 2)}\n`,
  );
  return { anchor: { file: anchorFile, hash }, samples, notes };
}

export { DEMO_AUDITOR_ID } from './demo-scenario.js';

/**
 * The curl lines of the demo (issue 22): a department and the auditor calling the API with
 * signed requests (`ledger sign-request` writes the RFC 9421 fields; bash's `<(...)` hands them to
 * curl's `-H @file`). They work in both API modes of the local stack; over HTTPS curl trusts the
 * stack's CA (`caFile`).
 */
export function demoCurlLines(apiUrl: string, layout: DemoLayout, rel: (p: string) => string, caFile?: string): string[] {
  const cacert = caFile === undefined ? '' : ` --cacert ${rel(caFile)}`;
  const line = (departmentId: string, path: string) =>
    `U='${apiUrl}${path}'; curl -s${cacert} -H @<(npx ledger sign-request --key ${rel(layout.key(departmentId))} --keyid department/${departmentId}/1 "$U") "$U"`;
  return [
    `  # 市民政局 (a department): its own share requests and grants`,
    `  ${line('dept.civil', '/v1/grants?grantee=dept.civil')}`,
    `  # 市审计局 (the auditor): every department's counts, and any department's rejected attempts`,
    `  ${line(DEMO_AUDITOR_ID, '/v1/stats/departments')}`,
    `  ${line(DEMO_AUDITOR_ID, '/v1/rejected?department=bank.city')}`,
  ];
}

/** The department of the printed Kafka example and what it records: the court reads a public notice (repeatable, OK each time). */
const KAFKA_EXAMPLE = { department: 'court.intermediate', resource: 'res.property.notice', fields: '证书号,坐落', purpose: '执行查控', subject: HOLDERS.revoked } as const;

/**
 * How a department produces to the demo's SASL broker (issue 22): `ledger event` with its own
 * credentials file named by LEDGER_KAFKA_CREDENTIALS (with --data, the stack's file of the
 * department is found without it).
 */
export function demoKafkaLines(kafka: NonNullable<DemoResult['kafka']>, stackRoot: string, rel: (p: string) => string): string[] {
  const x = KAFKA_EXAMPLE;
  return [
    `Kafka: SASL/SCRAM-SHA-256 with ACLs; each department produces as its own principal, which may write only ledger.<channel>; credentials (0600) in ${rel(kafka.credentialsDir)}/ (nodes: ledger-node-<n>.json)`,
    `  ${KAFKA_CREDENTIALS_ENV}=${rel(kafka.exampleCredentials)} npx ledger event record-access --data ${rel(stackRoot)} --department ${x.department} --resource ${x.resource} --fields ${x.fields} --purpose ${x.purpose} --subject ${x.subject}`,
    '  (without credentials, with a wrong password, or to another channel the broker refuses it: nothing else may produce)',
  ];
}

/** What a new user reads after the demo: the page, the anchor, the samples and what to try. */
export function describeDemo(r: DemoResult, out: (l: string) => void): void {
  const rel = (p: string) => {
    const r = relative(process.cwd(), p);
    return r.startsWith('..') ? p : r;
  };
  const samples = rel(r.layout.samplesDir);
  out('');
  out('== 演示 / demo ==');
  if (r.apiUrl) out(`reader page (核验页面): ${r.apiUrl}/   (auditor view: ${r.apiUrl}/#auditor)`);
  if (r.apiUrl && r.caFile) {
    // issue 22: the nodes serve HTTPS under the stack's own CA, which the commands below trust by this
    out(`the nodes serve HTTPS with certificates of the stack's own CA ${rel(r.caFile)} (a browser warns until you import it). For the commands below:`);
    out(`  export LEDGER_CA_FILE=${rel(r.caFile)}`);
  }
  if (!r.apiUrl) out('reader page: no node serves the API yet, so there is no page (see the notes below)');
  if (r.apiUrl) {
    // the demo's events are recorded today (record times are the broker's): this year's report
    const year = new Date(Date.now() + 8 * 3_600_000).getUTCFullYear();
    // the auditor's signed read (the API's signed mode, the default, serves the report to departments and auditors only)
    out(`sharing performance report (共享绩效评估报告), this year's, as the auditor (in the page: ${r.apiUrl}/#report, or open the file there with --format json):`);
    out(`  npx ledger report --api ${r.apiUrl} --key ${rel(r.layout.key(DEMO_AUDITOR_ID))} --keyid department/${DEMO_AUDITOR_ID}/1 --from ${year}-01-01 --to ${year}-12-31 --format html --out report-${year}.html`);
  }
  out(`trust anchor (信任锚, the genesis): ${rel(r.anchor.file)}  sha256 ${r.anchor.hash}`);
  out(`holders' salts files: ${rel(r.layout.holdersDir)}   department keys: ${rel(r.layout.keysDir)}`);
  if (r.samples.length > 0) {
    out(`sample bundles in ${samples}/ (binary .bundle.bin, JSON .bundle.json, QR .qr.png):`);
    for (const s of r.samples) out(`  ${s.name.padEnd(24)} expect ${s.expect.padEnd(8)} ${s.description}`);
    out('try:');
    if (r.apiUrl) out(`  open ${r.apiUrl}/ , upload ${samples}/certificate-valid.qr.png or paste ${samples}/certificate-revoked.bundle.json`);
    out(`  npx ledger verify ${samples}/certificate-valid.bundle.bin --anchor ${samples}/trust-anchor.genesis.bin`);
    out(`  npx ledger verify ${samples}/certificate-revoked.bundle.bin --anchor ${samples}/trust-anchor.genesis.bin   (exit 3: REVOKED)`);
  }
  // the auditor: over the API while the stack runs, or the full replay on a stopped node's folder
  // (--key/--keyid: the auditor's signed reads, which a stack in the signed API mode requires)
  if (r.apiUrl) out(`  npx ledger audit --api ${r.apiUrl} --genesis ${samples}/trust-anchor.genesis.bin --key ${rel(r.layout.key(DEMO_AUDITOR_ID))} --keyid department/${DEMO_AUDITOR_ID}/1   (while it runs)`);
  if (r.apiUrl && r.verification) {
    // 用证留痕 (issue 24): the holder's view of who checked the property online
    out(`  npx ledger trail --certificate '${r.verification.certificateId}' --api ${r.apiUrl}   (用证留痕: ${r.verification.verifierDepartmentId} checked the mortgaged property online before lending)`);
  }
  if (r.apiUrl) {
    out('API calls, signed with the demo departments\' keys (README "Who may read what"; bash):');
    for (const l of demoCurlLines(r.apiUrl, r.layout, rel, r.caFile)) out(l);
  }
  out(`  npx ledger audit --data ${rel(r.stackRoot)}   (once stopped: the full audit, replaying every block)`);
  if (r.kafka) for (const l of demoKafkaLines(r.kafka, r.stackRoot, rel)) out(l);
  if (r.exchange && r.apiUrl) {
    out(`household check through the exchange points (共享交换)${r.exchange.resumed ? ', done by an earlier run' : ''}: every read signed by the source department:`);
    for (const x of r.exchange.reads) out(`  ${x.source.padEnd(16)} ${x.resourceId.padEnd(20)} ${x.fields.join('、').padEnd(8)} ${x.result.padEnd(16)} block ${x.height}`);
    out(`the household's own trail (谁查询了我的数据), with its subject secret ${rel(r.exchange.secretFile)}:`);
    out(`  npx ledger trail --subject-secret ${rel(r.exchange.secretFile)} --api ${r.apiUrl}`);
  }
  for (const n of r.notes) out(`note: ${n}`);
}

export async function seedDemo(cluster: LocalCluster, out: (l: string) => void): Promise<DemoResult> {
  out('seeding the demo (departments, catalogue, household check, certificates)...');
  const r = await runDemo(cluster, { log: out });
  describeDemo(r, out);
  return r;
}
