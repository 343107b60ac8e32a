/**
 * @module report/report-files
 * The report as files: JSON (the form `ledger audit --report` reads back, validated strictly here)
 * and CSV (one figure per line, for a spreadsheet). The HTML document is report/report-html.ts.
 */
import * as z from 'zod/mini';
import { LedgerError } from '../errors/ledger-error.js';
import type { SharingReport } from './report-fold.js';

/** A published report larger than this is refused before it is parsed. */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024;

// zod/mini: the same validator as zod's, tree-shaken into the reader page's bundle (the classic
// API would add about 450 KiB to it)
const hex = (n: number) => z.string().check(z.regex(new RegExp(`^[0-9a-f]{${n}}$`)));
const digits = z.string().check(z.regex(/^\d{1,20}$/));
const count = z.int().check(z.nonnegative());
const departmentId = z.string().check(z.regex(/^[A-Za-z0-9._:-]{1,128}$/));
const text = (max: number) => z.string().check(z.maxLength(max));

const resourceLine = z.object({
  resourceId: text(256),
  name: text(1024),
  shareType: text(32),
  updateCycle: text(64),
  cycleDays: z.nullable(count),
  lastVersionMs: z.nullable(digits),
  daysSinceLastVersion: z.int(),
  overdue: z.nullable(z.boolean()),
});

/**
 * A whole published report: the auditor checks its window, anchor and figures against the chain,
 * and the reader page draws all of it (reader/report-view.ts), so every part is checked here,
 * not only what the auditor recomputes: a report file is untrusted input.
 */
const publishedReport = z.object({
  format: z.literal('ledger-sharing-report/v1'),
  window: z.object({ fromMs: digits, toMs: digits, department: z.nullable(departmentId) }),
  anchor: z.object({
    height: digits,
    headerHash: hex(64),
    blockTimeMs: digits,
    logSize: digits,
    logRoot: hex(64),
    stateRoot: hex(64),
    genesisHash: hex(64),
    channel: text(256),
    signatures: z.array(z.object({ nodeIndex: count, signature: z.string().check(z.regex(/^[0-9a-f]{0,256}$/)) })).check(z.maxLength(256)),
  }),
  departments: z.array(z.object({ id: departmentId, name: text(1024) })),
  figures: z.record(text(512), count),
  resources: z.record(departmentId, z.array(resourceLine)),
  matrix: z.record(departmentId, z.record(departmentId, count)),
  ranking: z.array(z.object({ rank: count, departmentId, accessesServed: count, requestsDecided: count, requestsReceived: count, medianDecisionMs: z.nullable(count) })),
  evidence: z.optional(z.record(text(512), z.array(hex(64)))),
});

/** Parses a published report (JSON text), naming what is wrong (BAD_ARGUMENT, PAYLOAD_TOO_LARGE). */
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
  return r.data as SharingReport;
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
