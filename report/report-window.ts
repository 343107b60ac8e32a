/**
 * @module report/report-window
 * The report's window from the dates a person gives. A bare date (YYYY-MM-DD) is a day in China
 * Standard Time (UTC+08:00, no daylight saving), the time of the departments the report is for;
 * `to` names the last day counted, so the window ends at the start of the next day. A full
 * ISO 8601 time must carry its offset (Z or ±hh:mm) and is taken as is. Record times are UTC
 * milliseconds (DESIGN.md section 6).
 */
import { LedgerError } from '../errors/ledger-error.js';
import type { ReportWindow } from './report-fold.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;
/** China Standard Time's offset from UTC. */
const CST_OFFSET_MS = 8 * 3_600_000;

function parseInstant(text: string, what: 'from' | 'to'): number {
  const d = DATE.exec(text);
  if (d !== null) {
    const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
    const utc = Date.UTC(y, m - 1, day);
    const back = new Date(utc);
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== day) {
      throw new LedgerError('BAD_ARGUMENT', `--${what} ${text}: no such date`, { [what]: text });
    }
    return utc - CST_OFFSET_MS + (what === 'to' ? DAY_MS : 0);
  }
  if (ISO_WITH_OFFSET.test(text)) {
    const t = Date.parse(text);
    if (Number.isFinite(t)) return t;
  }
  throw new LedgerError('BAD_ARGUMENT', `--${what} "${text}": give a date as YYYY-MM-DD (a day in China Standard Time) or an ISO 8601 time with its offset (2026-03-01T00:00:00+08:00)`, { [what]: text });
}

/** The window [from, to) for the dates given; `to` is inclusive when it is a bare date. */
export function reportWindow(from: string, to: string, department?: string): ReportWindow {
  const fromMs = parseInstant(from, 'from');
  const toMs = parseInstant(to, 'to');
  if (fromMs < 0) throw new LedgerError('BAD_ARGUMENT', `--from ${from} is before 1970`, { from });
  if (toMs <= fromMs) throw new LedgerError('BAD_ARGUMENT', `the window is empty: --to ${to} is not after --from ${from}`, { from, to });
  if (department !== undefined && !/^[A-Za-z0-9._:-]{1,128}$/.test(department)) throw new LedgerError('BAD_ARGUMENT', `--department "${department}" is not a department id`, { department });
  return { fromMs: BigInt(fromMs), toMs: BigInt(toMs), ...(department !== undefined ? { department } : {}) };
}

/** A record time as a clerk reads it: the date and time in China Standard Time. */
export function cstText(ms: bigint | number): string {
  const d = new Date(Number(ms) + CST_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}
