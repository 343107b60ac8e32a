/**
 * @module api/validation
 * Every path parameter, query parameter and body of the API is checked here with zod before a
 * route touches the stores; a failure is LedgerError BAD_ARGUMENT naming the parameter (HTTP 400,
 * ledger/errors.ts), never a 5xx. Size limits are explicit.
 */
import { z } from 'zod';
import { tryFromHex } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { MAX_PAGE_SIZE } from '../ledger/queries.js';
import { isIdentifier } from '../proto/limits.js';

/** The largest request body (a signed event is at most the genesis record limit, 8 KiB by default; JSON doubles it in base64). */
export const MAX_BODY_BYTES = 64 * 1024;
const U64_MAX = (1n << 64n) - 1n;

/** A decimal integer within [min, max], as text (each check inside one transform: no check runs on a value another rejected). */
function decimalText(min: bigint, max: bigint, what: string) {
  return z.string().transform((s, ctx) => {
    if (!/^(0|[1-9]\d{0,19})$/.test(s)) {
      ctx.addIssue({ code: 'custom', message: `${what}: a decimal integer without leading zeros` });
      return z.NEVER;
    }
    const v = BigInt(s);
    if (v < min || v > max) {
      ctx.addIssue({ code: 'custom', message: `${what}: within ${min}..${max}` });
      return z.NEVER;
    }
    return v;
  });
}

export const u64Text = decimalText(0n, U64_MAX, 'a u64');

/** An integer within [min, max] (at most 2^53 - 1), e.g. a log size or a page size. */
export function intText(min = 0, max = Number.MAX_SAFE_INTEGER) {
  return decimalText(BigInt(min), BigInt(max), 'an integer').transform((v) => Number(v));
}

/** A log size or position the Merkle log can address (below 2^53). */
export const safeIntText = intText();

export const heightText = decimalText(1n, U64_MAX, 'a block height (from 1)');

export const identifier = z.string().refine((s) => isIdentifier(s), 'an identifier: 1 to 64 characters of A-Z a-z 0-9 . _ : -');

export const hex32 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, '64 hex digits (32 bytes)')
  .transform((s) => tryFromHex(s.toLowerCase())!);

export const pageQuery = z.object({
  limit: intText(1, MAX_PAGE_SIZE).optional(),
  cursor: z.string().regex(/^[0-9a-f]{2,4096}$/, 'a cursor returned by an earlier page').optional(),
});

/** Parses `value` with `schema`; a failure is BAD_ARGUMENT naming `what` and the first problem. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue?.path.length ? `${what}.${issue.path.join('.')}` : what;
  throw new LedgerError('BAD_ARGUMENT', `${path}: ${issue?.message ?? 'invalid'}`, { parameter: path });
}

/** Query parameters (express gives strings, arrays for repeats, or objects): only single strings are accepted. */
export function queryOf(query: unknown, allowed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (query === null || typeof query !== 'object') return out;
  for (const [k, v] of Object.entries(query as Record<string, unknown>)) {
    if (!allowed.includes(k)) throw new LedgerError('BAD_ARGUMENT', `unknown query parameter ${JSON.stringify(k.slice(0, 64))} (allowed: ${allowed.join(', ') || 'none'})`, { parameter: k.slice(0, 64) });
    if (typeof v !== 'string') throw new LedgerError('BAD_ARGUMENT', `query parameter ${k} must be given once, as a plain value`, { parameter: k });
    if (v.length > 8192) throw new LedgerError('PAYLOAD_TOO_LARGE', `query parameter ${k} is over 8192 characters`, { parameter: k });
    out[k] = v;
  }
  return out;
}

/** The page request of a list route (`limit`, `cursor`) plus the route's own query parameters. */
export function pageOf(q: Record<string, string>): { limit?: number; cursor?: string } {
  const p = parse(pageQuery, { limit: q.limit, cursor: q.cursor }, 'query');
  return { ...(p.limit !== undefined ? { limit: p.limit } : {}), ...(p.cursor !== undefined ? { cursor: p.cursor } : {}) };
}
