import { describe, expect, it } from 'vitest';
import { ERROR_CODES, LedgerError } from '../../errors/ledger-error.js';
import { EXIT, EXIT_BY_CODE, VERDICT_EXIT, exitCodeOf } from '../../cli/exit-codes.js';
import { HTTP_STATUS_BY_CODE, httpStatusOf } from '../../api/http-status.js';

describe('the one code table (issue 2)', () => {
  it('fixes the exit codes of every command', () => {
    expect(EXIT).toEqual({ OK: 0, FAILED_CHECK: 1, USAGE: 2, REVOKED: 3, UNKNOWN: 4, EXPIRED: 5, STALE: 6, MISSING_PREREQUISITE: 7, HALTED: 8 });
    expect(VERDICT_EXIT).toEqual({ VALID: 0, INVALID: 1, REVOKED: 3, UNKNOWN: 4, EXPIRED: 5, STALE: 6 });
  });
  it('maps each code to an exit code and an HTTP status', () => {
    for (const code of Object.keys(ERROR_CODES) as Array<keyof typeof ERROR_CODES>) {
      expect(Object.values(EXIT), code).toContain(EXIT_BY_CODE[code]);
      expect(HTTP_STATUS_BY_CODE[code] >= 400 && HTTP_STATUS_BY_CODE[code] < 600, code).toBe(true);
    }
    // the three tables name the same codes, no more
    expect(Object.keys(EXIT_BY_CODE).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    expect(Object.keys(HTTP_STATUS_BY_CODE).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    expect(exitCodeOf(new LedgerError('USAGE', 'x'))).toBe(2);
    expect(exitCodeOf(new LedgerError('MALFORMED', 'x'))).toBe(1);
    expect(exitCodeOf(new LedgerError('MISSING_PREREQUISITE', 'x'))).toBe(7);
    expect(exitCodeOf(new LedgerError('DIVERGENCE', 'x'))).toBe(8);
    expect(exitCodeOf(new Error('a bug'))).toBe(1);
    expect(httpStatusOf(new LedgerError('BAD_ARGUMENT', 'x'))).toBe(400);
    expect(httpStatusOf(new LedgerError('NOT_FOUND', 'x'))).toBe(404);
    expect(httpStatusOf(new TypeError('a bug'))).toBe(500);
  });
  it('carries code, retriable and details, and serialises without a stack', () => {
    const e = new LedgerError('UNAVAILABLE', 'broker down', { brokers: ['127.0.0.1:9092'] });
    expect(e.retriable).toBe(true);
    expect(JSON.parse(JSON.stringify(e))).toEqual({ code: 'UNAVAILABLE', message: 'broker down', details: { brokers: ['127.0.0.1:9092'] } });
  });
});
