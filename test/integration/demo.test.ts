/**
 * The demo end to end (issue 13): `ledger demo --data DIR --once` on a real broker and three node
 * processes seeds every scenario, stops everything and exits 0; a second run resumes and publishes
 * nothing again; the chain holds each demo event with the fate the scenario means (every one OK
 * but the bank's access without a grant, kept as GRANT_REQUIRED), the certificates and grants in
 * the states the samples promise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockStore } from '../../consensus/block-store.js';
import { demoLayout } from '../../cli/demo.js';
import { DEMO_CERTIFICATES, DEMO_GRANTS, demoPhases, HOLDERS } from '../../cli/demo-scenario.js';
import { fromHex } from '../../ledger/bytes.js';
import { commitment } from '../../ledger/commitment.js';
import { loadGenesis } from '../../ledger/genesis.js';
import { resultName } from '../../ledger/result-codes.js';
import { StateStore, type AnyDb } from '../../ledger/state-store.js';
import { decode } from '../../proto/codec.js';
import { CertificateStatus, GrantStatus } from '../../proto/schema.generated.js';
import { runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/kafka.js';

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
let data: string;
/** The demo provisions its own broker in DIR/kafka (as `npm start` does on a fresh machine). */
const env: NodeJS.ProcessEnv = { ...process.env };
delete env.KAFKA_BROKERS;
const STEPS = demoPhases().reduce((n, p) => n + p.steps.length, 0);
let first: ReturnType<typeof runCli>;

beforeAll(() => {
  data = scratchDir('demo');
  first = runCli(['demo', '--data', data, '--once'], env, 400_000);
}, 420_000);

afterAll(() => {
  // the stack's broker is stopped by `--once`; nothing else to do
});

describe('ledger demo --once', () => {
  it('seeds every scenario, stops everything and exits 0', () => {
    expect(first.status, `${first.stdout}\n${first.stderr}`).toBe(0);
    expect(first.stdout).toContain(`published ${STEPS} event(s)`);
    expect(first.stdout).toMatch(/trust anchor .*trust-anchor\.genesis\.bin {2}sha256 [0-9a-f]{64}/);
    expect(first.stdout).toContain('stopped.');
    const layout = demoLayout(data);
    expect(readFileSync(join(layout.samplesDir, 'trust-anchor.genesis.bin'))).toEqual(readFileSync(join(data, 'genesis.bin')));
    for (const cert of Object.values(DEMO_CERTIFICATES)) expect(existsSync(layout.salts(cert)), cert).toBe(true);
  });

  it('a second run resumes: nothing is published again', { timeout: 400_000 }, () => {
    const again = runCli(['demo', '--data', data, '--once'], env, 400_000);
    expect(again.status, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(again.stdout).toContain('resumed the stack');
    expect(again.stdout).toContain(`published 0 event(s), ${STEPS} already on chain from an earlier run`);
  });

  it('the chain holds every demo event with the fate the scenario means', async () => {
    const genesis = loadGenesis(new Uint8Array(readFileSync(join(data, 'genesis.bin'))));
    const db = new Level<Uint8Array, Uint8Array>(join(data, 'nodes', '1', 'db'), VIEW);
    await db.open();
    try {
      const blocks = await BlockStore.open(db as unknown as AnyDb, genesis.hash, genesis.limits);
      const fates: Array<{ dept: string; seq: bigint; kind: string; code: string }> = [];
      for (let h = 1n; h <= blocks.head.height; h++) {
        for (const e of (await blocks.block(h))!.events) {
          const body = decode('EventBody', e.event!.body);
          const kind = Object.keys(body).find((k) => !['channel', 'departmentId', 'keyVersion', 'sequence', 'clientTimeMs'].includes(k) && (body as unknown as Record<string, unknown>)[k] !== undefined)!;
          fates.push({ dept: body.departmentId, seq: body.sequence, kind, code: resultName(e.resultCode)! });
        }
      }
      expect(fates).toHaveLength(STEPS);
      const notOk = fates.filter((f) => f.code !== 'OK');
      expect(notOk).toEqual([{ dept: 'bank.city', seq: 1n, kind: 'accessRecorded', code: 'GRANT_REQUIRED' }]);

      const state = await StateStore.open(db as unknown as AnyDb);
      const cert = async (id: string) => (await state.getRecord('cert', id))!;
      expect((await cert(DEMO_CERTIFICATES.valid)).status).toBe(CertificateStatus.CERTIFICATE_ISSUED);
      expect((await cert(DEMO_CERTIFICATES.revoked)).status).toBe(CertificateStatus.CERTIFICATE_REVOKED);
      const expired = await cert(DEMO_CERTIFICATES.expired);
      expect(expired.status).toBe(CertificateStatus.CERTIFICATE_ISSUED);
      expect(expired.validUntilMs < BigInt(Date.now())).toBe(true);
      // the transferred certificate's holder is the new one, as the holder's salts file says
      const salts = JSON.parse(readFileSync(demoLayout(data).salts(DEMO_CERTIFICATES.transferred), 'utf8'));
      expect(salts.holder.value).toBe(HOLDERS.transferredTo);
      expect((await cert(DEMO_CERTIFICATES.transferred)).holderCommitment).toEqual(commitment(HOLDERS.transferredTo, fromHex(salts.holder.salt)));
      expect((await state.getRecord('grant', DEMO_GRANTS.tax))!.status).toBe(GrantStatus.GRANT_GRANTED);
      expect((await state.getRecord('grant', DEMO_GRANTS.tax))!.uses).toBe(1n);
      expect((await state.getRecord('grant', DEMO_GRANTS.insurance))!.status).toBe(GrantStatus.GRANT_REVOKED);
    } finally {
      await db.close();
    }
  });
});
