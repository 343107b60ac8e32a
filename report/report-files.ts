/**
 * @module report/report-files
 * The report as files: JSON (the form `ledger audit --report` reads back, validated strictly here)
 * and CSV (one figure per line, for a spreadsheet). The HTML document is report/report-html.ts.
 */
import { z } from 'zod';
import { LedgerError } from '../errors/ledger-error.js';
import type { SharingReport } from './report-fold.js';

/** A published report larger than this is refused before it is parsed. */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024;

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));
const digits = z.string().regex(/^\d{1,20}$/);

/** What the auditor needs of a published report; the rest is shown, not checked. */
const publishedReport = z.object({
  format: z.literal('ledger-sharing-report/v1'),
  window: z.object({ fromMs: digits, toMs: digits, department: z.string().max(128).nullable() }),
  anchor: z.object({ height: digits, headerHash: hex(64) }).passthrough(),
  figures: z.record(z.string().max(512), z.number().int().nonnegative()),
}).passthrough();

/** Parses a published report (JSON text), naming what is wrong. */
export function parseReportJson(text: string, source: string): SharingReport {
  if (text.length > MAX_REPORT_BYTES) throw new LedgerError('PAYLOAD_TOO_LARGE', `${source} is over ${MAX_REPORT_BYTES} bytes`, { path: source });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new LedgerError('BAD_ARGUMENT', `${source} is not JSON: ${(e as Error).message}`, { path: source });
  }
  const r = publishedReport.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new LedgerError('BAD_ARGUMENT', `${source} is not a sharing report: ${issue.path.join('.') || '(top)'}: ${issue.message}`, { path: source });
  }
  return r.data as unknown as SharingReport;
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One line per figure: department, figure (the key without the department), value. */
export function reportCsv(r: SharingReport): string {
  const names = new Map(r.departments.map((d) => [d.id, d.name]));
  const lines = ['department_id,department_name,figure,value'];
  for (const [key, value] of Object.entries(r.figures)) {
    const slash = key.indexOf('/');
    const dept = key.slice(0, slash);
    lines.push([dept, names.get(dept) ?? '', key.slice(slash + 1), String(value)].map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}
