/**
 * @module stack/demo-exchange
 * The demo's household check through the exchange points (issue 21): once the demo's phases are
 * committed (the household's consent and the grants bound to it, stack/demo-scenario.ts), the tax
 * bureau and the property registry each start their exchange point (exchange/exchange-server.ts)
 * in front of a small table, and civil affairs reads through them with signed requests:
 *  - the household's income from tax, under the grant and the consent: served;
 *  - the household's property from the registry, the same way: served;
 *  - the income again, without naming the consent: refused (CONSENT_MISSING) before any data
 *    leaves, and on chain all the same.
 * Every read is signed by the source department and is in the household's trail (`ledger trail`).
 *
 * The exchange points publish through the departments' demo outboxes (the demo's clients are
 * closed by then): one outbox per department keeps one sequence, so a resumed demo stays
 * consistent. The reads are done once; what they gave is kept in `<demo>/exchange/reads.json`
 * and a resumed demo prints it again without reading again.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requestRead, type ExchangeCaller } from '../exchange/exchange-client.js';
import { startExchange, type RunningExchange } from '../exchange/exchange-server.js';
import { toHex } from '../ledger/bytes.js';
import { loadKeyFile } from '../ledger/key-file.js';
import { isLedgerError } from '../errors/ledger-error.js';
import { parseSubjectSecretFile } from '../ledger/subject.js';
import { DEMO_CONSENT, DEMO_EXCHANGE_PURPOSE, DEMO_HOUSEHOLD_SUBJECT, DEMO_SUBJECT_GRANTS } from './demo-scenario.js';
import type { DemoLayout } from './demo-layout.js';
import type { LocalCluster } from './local-cluster.js';

/** One read the demo asked an exchange point for, and its committed fate. */
export interface DemoExchangeRead {
  source: string;
  resourceId: string;
  fields: string[];
  /** OK, or the chain's result code of the refusal. */
  result: string;
  eventId: string;
  height: string;
}

export interface DemoExchangeResult {
  /** The household's subject secret file (what `ledger trail --subject-secret` takes). */
  secretFile: string;
  reads: DemoExchangeRead[];
  /** True when the reads were done by an earlier run. */
  resumed: boolean;
}

/** The departments' tables the exchange points serve (standing for their databases). */
const TABLES: Record<string, { department: string; rows: Record<string, Array<Record<string, string>>> }> = {
  'res.tax.income': { department: 'dept.tax', rows: { [DEMO_HOUSEHOLD_SUBJECT]: [{ 年收入: '36000', 纳税额: '0' }] } },
  'res.property.owner': { department: 'dept.realestate', rows: { [DEMO_HOUSEHOLD_SUBJECT]: [{ 产权人: '周敏', 坐落: '朝阳区劲松路9号5单元302', 面积: '58.20', 用途: '住宅' }] } },
};

/** The household's subject secret file in the demo's holders' folder. */
export function householdSecretFile(layout: DemoLayout): string {
  return join(layout.holdersDir, `household-${DEMO_HOUSEHOLD_SUBJECT}.subject-secret.json`);
}

/** Runs the reads (once per demo folder) and returns what they gave. */
export async function runDemoExchange(cluster: LocalCluster, layout: DemoLayout, apiUrl: string, log: (line: string) => void): Promise<DemoExchangeResult> {
  const secretFile = householdSecretFile(layout);
  const dir = join(layout.root, 'exchange');
  const done = join(dir, 'reads.json');
  if (existsSync(done)) return { secretFile, reads: JSON.parse(readFileSync(done, 'utf8')) as DemoExchangeRead[], resumed: true };
  mkdirSync(dir, { recursive: true });
  const { subject, secret } = parseSubjectSecretFile(readFileSync(secretFile, 'utf8'), secretFile);
  const points = new Map<string, RunningExchange>();
  try {
    for (const [resourceId, t] of Object.entries(TABLES)) {
      const table = join(dir, `${resourceId}.json`);
      writeFileSync(table, `${JSON.stringify({ rows: t.rows }, null, 2)}\n`);
      const x = await startExchange(
        {
          channel: cluster.genesis.genesis.channel,
          departmentId: t.department,
          keyFile: layout.key(t.department),
          keyVersion: 1,
          api: apiUrl,
          brokers: cluster.brokers,
          outbox: join(layout.outboxDir, t.department),
          listen: '127.0.0.1:0',
          tls: 'plain-loopback',
          tables: { [resourceId]: table },
        },
        // the source department publishes the read as its own Kafka principal (issue 22)
        { log: () => undefined, kafkaCredentials: await cluster.kafka.departmentCredentials(t.department) },
      );
      points.set(resourceId, x);
      log(`  exchange point of ${t.department} (共享交换) at ${x.url}, serving ${resourceId}`);
    }
    const civil: ExchangeCaller = { departmentId: 'dept.civil', keyVersion: 1, key: loadKeyFile(layout.key('dept.civil')) };
    const ask = async (resourceId: string, grantId: string, consentId: string, fields: string[], note: string): Promise<DemoExchangeRead> => {
      const source = TABLES[resourceId]!.department;
      try {
        const r = await requestRead(points.get(resourceId)!.url, civil, { resourceId, grantId, consentId, fields, purpose: DEMO_EXCHANGE_PURPOSE, subject: { id: subject, secret: toHex(secret) } });
        log(`  household check: ${note}: served, ${r.rows.length} row(s), recorded in block ${r.height} signed by ${source}`);
        return { source, resourceId, fields, result: 'OK', eventId: r.eventId, height: r.height.toString() };
      } catch (e) {
        if (!isLedgerError(e) || e.code !== 'READ_REFUSED') throw e;
        const d = e.details as { resultName?: string; eventId?: string; height?: string };
        log(`  household check: ${note}: refused (${d.resultName}) before any data left, recorded in block ${d.height} signed by ${source}`);
        return { source, resourceId, fields, result: String(d.resultName), eventId: String(d.eventId), height: String(d.height) };
      }
    };
    const reads = [
      await ask('res.tax.income', DEMO_SUBJECT_GRANTS.tax, DEMO_CONSENT, ['年收入'], 'civil affairs reads the income through the tax exchange point'),
      await ask('res.property.owner', DEMO_SUBJECT_GRANTS.property, DEMO_CONSENT, ['产权人', '面积'], 'civil affairs reads the property through the registry exchange point'),
      await ask('res.tax.income', DEMO_SUBJECT_GRANTS.tax, '', ['年收入'], 'civil affairs reads the income without naming the consent'),
    ];
    writeFileSync(done, `${JSON.stringify(reads, null, 2)}\n`);
    return { secretFile, reads, resumed: false };
  } finally {
    for (const x of points.values()) await x.stop().catch(() => undefined);
  }
}
