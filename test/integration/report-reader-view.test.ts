/**
 * The sharing performance report as a view of the reader page (issue 25, `#report`), in headless
 * Chromium (Debian's, through playwright-core): the page as `npm run build` writes it, served by a
 * node over the seeded chain of test/helpers/report-chain.ts. A department chooses the period and
 * sees the figures written by hand in that helper, in Chinese first and then in English; one
 * department's report; a report file saved from the node opens the same; a file with an edited
 * figure that is not a count and a period that ends before it starts are refused with the reason.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../stack/package-info.js';
import { launchChromium } from '../helpers/browser.js';
import { startTestApi, type TestApi } from '../helpers/api-server.js';
import { TestChain } from '../helpers/chain.js';
import { FROM_DATE, RE, REPORT_EXPECTED_FIGURES, seedReportChain, TAX, TO_DATE } from '../helpers/report-chain.js';
import { tempDir } from '../helpers/temp.js';

const DIST = join(PROJECT_ROOT, 'dist', 'reader');
const tmp = tempDir('report-reader-view');
let node: TestApi;
let browser: Browser;

beforeAll(async () => {
  expect(existsSync(join(DIST, 'reader.js')), 'npm run build writes dist/reader/reader.js').toBe(true);
  const chain = await TestChain.create();
  await seedReportChain(chain);
  node = await startTestApi(chain, { readerDir: DIST });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await node?.stop();
  tmp.remove();
});

async function openView(): Promise<{ page: Page; frame: FrameLocator; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${node.base}/#report`);
  await expect.poll(() => page.locator('#tab-report').getAttribute('class')).toContain('active');
  return { page, frame: page.frameLocator('#report-frame'), errors };
}

async function compute(page: Page, department = ''): Promise<void> {
  await page.fill('#report-from', FROM_DATE);
  await page.fill('#report-to', TO_DATE);
  await page.fill('#report-department', department);
  await page.click('[data-testid=report-compute]');
}

/** The ranking row of a department, as cells. */
async function rankingRow(frame: FrameLocator, dept: string): Promise<string[]> {
  const row = frame.locator('table').nth(1).locator('tbody tr', { hasText: dept });
  return (await row.locator('td').allInnerTexts()).map((c) => c.trim());
}

describe('the report view of the reader page', () => {
  it('computes the chosen period at the node and shows the figures, Chinese first, then English', async () => {
    const { page, frame, errors } = await openView();
    await compute(page);
    await expect.poll(() => page.locator('#report-status').innerText()).toMatch(/^来源：本节点；计算依据：区块高度 \d+$/);
    await expect.poll(() => frame.locator('h1').innerText()).toBe('政务信息资源共享绩效评估报告');
    // the ranking: rank, department, reads served, requests decided, requests received
    const re = await rankingRow(frame, RE);
    expect(re[0]).toBe('1');
    expect(re.slice(2, 5)).toEqual([REPORT_EXPECTED_FIGURES[`${RE}/accesses_served/total`], REPORT_EXPECTED_FIGURES[`${RE}/requests_decided/granted`]! + REPORT_EXPECTED_FIGURES[`${RE}/requests_decided/denied`]!, REPORT_EXPECTED_FIGURES[`${RE}/requests_received/total`]].map(String));
    const tax = await rankingRow(frame, TAX);
    expect(tax[0]).toBe('2');
    expect(tax.slice(2, 5)).toEqual(['2', '2', '1']);
    expect(await frame.locator('svg.chart').count()).toBe(3);
    const taxSection = frame.locator(`section.dept:has(> h2 > span.muted:text-is("${TAX}"))`);
    await expect.poll(() => taxSection.innerText()).toContain('审批时长中位数：24.0 小时；审批时长 90 分位：7.0 天');
    // the reader's switch sets the framed document's language too (its own button needs a script: removed)
    expect(await frame.locator('#lang').count()).toBe(0);
    await page.click('#lang');
    await expect.poll(() => frame.locator('h1').innerText()).toBe('Government information sharing: performance report');
    await expect.poll(() => page.locator('#tab-report').innerText()).toBe('Report');
    await expect.poll(() => page.locator('#report-status').innerText()).toMatch(/^Source: this node; Computed at height \d+$/);
    await expect.poll(() => taxSection.innerText()).toContain('Median time to decide：24.0 h；90th percentile：7.0 days');
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows one department's report", async () => {
    const { page, frame } = await openView();
    await compute(page, TAX);
    await expect.poll(() => frame.locator('section.dept').count()).toBe(1);
    expect(await frame.locator('section.dept h2').innerText()).toContain(TAX);
    await page.close();
  });

  it('opens a saved report file, and refuses an edited one and an empty period with the reason', async () => {
    const saved = await (await fetch(`${node.base}/v1/report?from=${FROM_DATE}&to=${TO_DATE}`)).text();
    const good = join(tmp.path, 'report-2026.json');
    writeFileSync(good, saved);
    const { page, frame } = await openView();
    await page.setInputFiles('#report-file', good);
    await expect.poll(() => page.locator('#report-status').innerText()).toMatch(/^来源：报告文件 report-2026\.json；计算依据：区块高度 \d+$/);
    expect((await rankingRow(frame, RE)).slice(0, 3)).toEqual(['1', expect.stringContaining(RE), '2']);

    // a figure edited into markup: refused before anything is drawn, naming the figure
    const edited = JSON.parse(saved) as { figures: Record<string, unknown> };
    edited.figures[`${TAX}/accesses_served/total`] = '<img src=x onerror=alert(1)>';
    const bad = join(tmp.path, 'edited.json');
    writeFileSync(bad, JSON.stringify(edited));
    await page.setInputFiles('#report-file', bad);
    await expect.poll(() => page.locator('#report-status').innerText()).toContain('文件不是有效的绩效报告：edited.json is not a sharing report: figures.dept.tax/accesses_served/total');
    expect(await page.locator('#report-status').getAttribute('class')).toBe('warn');

    await page.fill('#report-from', TO_DATE);
    await page.fill('#report-to', FROM_DATE);
    await page.click('[data-testid=report-compute]');
    await expect.poll(() => page.locator('#report-status').innerText()).toBe('请填写起止日期，截止日期不得早于起始日期。');
    await page.close();
  });
});
