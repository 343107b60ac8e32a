/**
 * GET /v1/report on a node's API over the report scenario (test/helpers/report-chain.ts): the same
 * hand-written figures as `ledger report`, the HTML document and CSV, and clear 400s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChain } from '../helpers/chain.js';
import { startTestApi, type TestApi } from '../helpers/api-server.js';
import { FROM_DATE, REPORT_EXPECTED_FIGURES, seedReportChain, TO_DATE } from '../helpers/report-chain.js';

let node: TestApi;

beforeAll(async () => {
  const chain = await TestChain.create();
  await seedReportChain(chain);
  node = await startTestApi(chain);
});

afterAll(async () => {
  await node?.stop();
});

const get = (query: string) => fetch(`${node.base}/v1/report?${query}`);

describe('GET /v1/report', () => {
  it('JSON: the figures written by hand, anchored at the head', async () => {
    const r = await get(`from=${FROM_DATE}&to=${TO_DATE}`);
    expect(r.status).toBe(200);
    const j = (await r.json()) as { figures: Record<string, number>; anchor: { height: string } };
    expect(j.figures).toEqual(REPORT_EXPECTED_FIGURES);
    const head = (await (await fetch(`${node.base}/v1/head`)).json()) as { height: string };
    expect(j.anchor.height).toBe(head.height);
  });

  it('HTML and CSV; one department', async () => {
    const h = await get(`from=${FROM_DATE}&to=${TO_DATE}&format=html`);
    expect(h.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await h.text()).toContain('政务信息资源共享绩效评估报告');
    const c = await get(`from=${FROM_DATE}&to=${TO_DATE}&format=csv&department=dept.tax`);
    expect(c.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await c.text()).trim().split('\n');
    expect(lines.slice(1).every((l) => l.startsWith('dept.tax,'))).toBe(true);
    expect(lines).toHaveLength(1 + Object.keys(REPORT_EXPECTED_FIGURES).filter((k) => k.startsWith('dept.tax/')).length);
  });

  it('says what is wrong with the period (400 with a code)', async () => {
    for (const [query, text] of [
      [`to=${TO_DATE}`, 'give the period'],
      [`from=2026-02-30&to=2026-03-01`, 'no such date'],
      [`from=2026-03-01&to=2026-02-01`, 'the window is empty'],
      [`from=20260101&to=2026-02-01`, 'from: a date YYYY-MM-DD'],
      [`from=${FROM_DATE}&to=${TO_DATE}&format=pdf`, 'format'],
    ] as const) {
      const r = await get(query);
      expect(r.status, query).toBe(400);
      const body = (await r.json()) as { code: string; message: string };
      expect(body.code, query).toBe('BAD_ARGUMENT');
      expect(body.message, query).toContain(text);
    }
  });
});
