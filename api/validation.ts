/**
 * @module api/validation
 * Every path parameter, query parameter and body of the API is checked here with zod before a
 * route touches the stores; a failure is LedgerError BAD_ARGUMENT naming the parameter (HTTP 400,
 * api/http-status.ts), never a 5xx. Size limits are explicit.
 */
import { z } from 'zod';
import { tryFromHex } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { MAX_PAGE_SIZE } from '../ledger/queries.js';
import { DEFAULT_LIMITS, isIdentifier } from '../proto/limits.js';

/** The largest request body (a signed event is at most the genesis record limit, 8 KiB by default; JSON doubles it in base64). */
export const MAX_BODY_BYTES = 64 * 1024;
const U64_MAX = (1n << 64n) - 1n;

/**
 * A regular expression source for the decimal numbers within [min, max] without leading zeros, so
 * that the OpenAPI document (api/openapi.ts, generated from these validators) states the exact
 * range. Built by splitting the range at powers of ten (numbers of one length) and then digit by
 * digit. Requires 0 <= min <= max.
 */
export function decimalRangePattern(min: bigint, max: bigint): string {
  const alts: string[] = [];
  for (let digits = String(min).length; digits <= String(max).length; digits++) {
    const lo = digits === 1 ? 0n : 10n ** BigInt(digits - 1);
    const hi = 10n ** BigInt(digits) - 1n;
    const a = min > lo ? min : lo;
    const b = max < hi ? max : hi;
    if (a <= b) alts.push(...sameLength(String(a), String(b)));
  }
  return `^(${alts.join('|')})$`;
}

/** Alternatives matching the numbers a..b written with the same number of digits. */
function sameLength(a: string, b: string): string[] {
  if (a.length === 0) return [''];
  if (a === b) return [a];
  const allLow = /^0*$/.test(a.slice(1));
  const allHigh = /^9*$/.test(b.slice(1));
  const rest = a.length - 1;
  const any = rest === 0 ? '' : rest === 1 ? '[0-9]' : `[0-9]{${rest}}`;
  const range = (x: number, y: number) => (x === y ? String(x) : `[${x}-${y}]`);
  const da = Number(a[0]);
  const db = Number(b[0]);
  if (da === db) return sameLength(a.slice(1), b.slice(1)).map((t) => `${da}${t}`);
  const out: string[] = [];
  let from = da;
  let to = db;
  if (!allLow) {
    out.push(...sameLength(a.slice(1), '9'.repeat(rest)).map((t) => `${da}${t}`));
    from = da + 1;
  }
  if (!allHigh) to = db - 1;
  if (from <= to) out.push(`${range(from, to)}${any}`);
  if (!allHigh) out.push(...sameLength('0'.repeat(rest), b.slice(1)).map((t) => `${db}${t}`));
  return out;
}

/** A decimal integer within [min, max], as text: the pattern is the whole check. */
function decimalText(min: bigint, max: bigint, what: string) {
  return z
    .string()
    .regex(new RegExp(decimalRangePattern(min, max)), `${what}: a decimal integer within ${min}..${max}, without leading zeros`)
    .transform((s) => BigInt(s));
}

export const u64Text = decimalText(0n, U64_MAX, 'a u64');

/** An integer within [min, max] (at most 2^53 - 1), e.g. a log size or a page size. */
export function intText(min = 0, max = Number.MAX_SAFE_INTEGER) {
  return decimalText(BigInt(min), BigInt(max), 'an integer').transform((v) => Number(v));
}

/** A log size or position the Merkle log can address (below 2^53). */
export const safeIntText = intText();

export const heightText = decimalText(1n, U64_MAX, 'a block height (from 1)');

/** An identifier (proto/limits.ts isIdentifier with the default limits), as one pattern. */
export const identifier = z
  .string()
  .regex(new RegExp(`^[A-Za-z0-9._:-]{1,${DEFAULT_LIMITS.maxIdBytes}}$`), `an identifier: 1 to ${DEFAULT_LIMITS.maxIdBytes} characters of A-Z a-z 0-9 . _ : -`)
  .refine((s) => isIdentifier(s), 'an identifier');

export const hex32 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, '64 hex digits (32 bytes)')
  .transform((s) => tryFromHex(s.toLowerCase())!);

/** A C2SP tlog-tiles level, 0..63 without leading zeros (api/tile-path.ts). */
export const tileLevelText = z.string().regex(new RegExp(decimalRangePattern(0n, 63n)), 'a tile level: 0..63 without leading zeros');

/**
 * A C2SP tlog-tiles index with its optional partial width, the part of a tile path after the level:
 * 3-digit elements, all but the last prefixed with `x` and no leading `x000`, at most five (an index
 * below 10^15, which a safe integer holds), then `.p/<W>` with W 1..255 without leading zeros.
 */
export const tileIndexText = z
  .string()
  .regex(
    new RegExp(`^((x00[1-9]|x0[1-9][0-9]|x[1-9][0-9]{2})(/x[0-9]{3}){0,3}/)?[0-9]{3}(\\.p/${decimalRangePattern(1n, 255n).slice(1, -1)})?$`),
    'a tile index: 3-digit path elements, all but the last prefixed with x (x001/x234/067), optionally .p/<W> with W 1..255',
  );

/** The `format` of the routes that answer protobuf bytes or their JSON view. */
export const formatText = z.enum(['binary', 'json']);

/** A yes/no query flag (e.g. a bundle's `witnessed`). */
export const booleanText = z.enum(['true', 'false']);

/** The `wait` of a submission. */
export const waitText = z.enum(['commit']);

/** A page cursor: opaque lower-case hex of whole bytes; any such value positions a scan (ledger/queries.ts). */
export const cursorText = z.string().regex(/^([0-9a-f]{2}){1,2048}$/, 'a cursor: lower-case hex of 1 to 2048 bytes, as an earlier page returned it');

export const pageQuery = z.object({
  limit: intText(1, MAX_PAGE_SIZE).optional(),
  cursor: cursorText.optional(),
});

/** The OpenAPI 3.0 schema of a parameter or body, generated from its validator (what it accepts as input). */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

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
