/**
 * The sharing performance report as a clerk and an office see it (issue 25): the node's
 * GET /v1/report?format=html in headless Chromium (Debian's, through playwright-core), Chinese
 * first with its English switch, charts drawn, every Chinese glyph drawn from a real font (not
 * the missing-glyph box), and Chromium's print-to-PDF. Page 1 of the print is written as a
 * screenshot to docs/report-page1.png with LEDGER_UPDATE_DOCS=1, else beside the test's data.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../stack/package-info.js';
import { hanCharacters, launchChromium, missingGlyphs } from '../helpers/browser.js';
import { startTestApi, type TestApi } from '../helpers/api-server.js';
import { TestChain } from '../helpers/chain.js';
import { FROM_DATE, REPORT_EXPECTED_FIGURES, seedReportChain, TO_DATE } from '../helpers/report-chain.js';
import { seedReportYearChain, YEAR_FROM_DATE, YEAR_TO_DATE } from '../helpers/report-year-chain.js';
import { tempDir } from '../helpers/temp.js';

const tmp = tempDir('report-browser');
const shots = process.env.LEDGER_UPDATE_DOCS === '1' ? join(PROJECT_ROOT, 'docs') : tmp.path;
let node: TestApi;
let browser: Browser;

beforeAll(async () => {
  const chain = await TestChain.create();
  await seedReportChain(chain);
  node = await startTestApi(chain);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await node?.stop();
  tmp.remove();
});

const url = () => `${node.base}/v1/report?from=${FROM_DATE}&to=${TO_DATE}&format=html`;

describe('the report page in Chromium', () => {
  it('reads in Chinese first, switches to English, and draws its charts with the figures', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url());
    const h1 = page.locator('h1');
    await expect.poll(() => h1.innerText()).toBe('政务信息资源共享绩效评估报告');
    // the ranking's first row: 不动产 registry, 2 reads served, 2 requests decided
    const firstRow = await page.locator('table').nth(1).locator('tbody tr').first().innerText();
    expect(firstRow).toContain('dept.realestate');
    expect(firstRow.split(/\s+/)).toContain(String(REPORT_EXPECTED_FIGURES['dept.realestate/accesses_served/total']));
    expect(await page.locator('svg.chart').count()).toBe(3);
    // the heat map holds the matrix's cells: 2 reads each from the tax bureau and the registry
    expect(await page.locator('svg.chart').nth(2).locator('text', { hasText: /^2$/ }).count()).toBe(2);
    await page.locator('#lang').click();
    await expect.poll(() => h1.innerText()).toBe('Government information sharing: performance report');
    // one document, nothing fetched from anywhere else
    expect(requests.filter((r) => !r.startsWith(node.base))).toEqual([]);
    await page.close();
  });

  it('every Chinese glyph comes from a font (none is the missing-glyph box)', async () => {
    const page = await browser.newPage();
    await page.goto(url());
    const han = hanCharacters(await page.locator('body').innerText());
    expect(han.length).toBeGreaterThan(50);
    const missing = await missingGlyphs(page, [...han, '\u{10FFFC}']);
    // the planted unassigned character is caught; every Chinese one is drawn
    expect(missing).toEqual(['\u{10FFFC}']);
    await page.close();
  });

  it("prints to an A4 PDF; page 1's screenshot", async () => {
    const page = await browser.newPage({ viewport: { width: 794, height: 1123 } });
    await page.goto(url());
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? [];
    expect(pages.length).toBeGreaterThanOrEqual(2);
    mkdirSync(shots, { recursive: true });
    const shot = join(shots, 'report-page1.png');
    await page.screenshot({ path: shot, clip: { x: 0, y: 0, width: 794, height: 1123 } });
    expect(existsSync(shot)).toBe(true);
    await page.close();
  });
});

describe('a year of record times (the picture of a yearly report)', () => {
  let year: TestApi;
  beforeAll(async () => {
    const chain = await TestChain.create();
    await seedReportYearChain(chain);
    year = await startTestApi(chain);
  }, 180_000);
  afterAll(async () => {
    await year?.stop();
  });

  it("prints the year's report with every chart filled and every glyph drawn; pages 1 and 2 as a screenshot", async () => {
    const page = await browser.newPage({ viewport: { width: 794, height: 1123 } });
    await page.goto(`${year.base}/v1/report?from=${YEAR_FROM_DATE}&to=${YEAR_TO_DATE}&format=html`);
    await page.emulateMedia({ media: 'print' });
    // six departments ranked; the time to decide spread over all four bars (hours to over a month)
    expect(await page.locator('table').nth(1).locator('tbody tr').count()).toBe(6);
    const decisions = page.locator('svg.chart').nth(1);
    for (const bucket of ['1 天内', '1–7 天', '7–30 天', '30 天以上']) expect(await decisions.locator('tspan', { hasText: bucket }).count()).toBe(1);
    expect(await decisions.locator('rect[width="0"]').count()).toBeLessThan(await decisions.locator('rect').count() / 2);
    const han = hanCharacters(await page.locator('body').innerText());
    expect(await missingGlyphs(page, han)).toEqual([]);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'report-year-pages1-2.png'), fullPage: true, clip: { x: 0, y: 0, width: 794, height: 2246 } });
    await page.close();
  });
});
