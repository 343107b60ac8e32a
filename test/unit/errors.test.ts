import { describe, expect, it } from 'vitest';
import { ERROR_CODES, EXIT, LedgerError, VERDICT_EXIT, exitCodeOf, httpStatusOf } from '../../ledger/errors.js';

describe('the one code table (issue 2)', () => {
  it('fixes the exit codes of every command', () => {
    expect(EXIT).toEqual({ OK: 0, FAILED_CHECK: 1, USAGE: 2, REVOKED: 3, UNKNOWN: 4, EXPIRED: 5, STALE: 6, MISSING_PREREQUISITE: 7, HALTED: 8 });
    expect(VERDICT_EXIT).toEqual({ VALID: 0, INVALID: 1, REVOKED: 3, UNKNOWN: 4, EXPIRED: 5, STALE: 6 });
  });
  it('maps each code to an exit code and an HTTP status', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(Object.values(EXIT), code).toContain(spec.exit);
      expect(spec.http >= 400 && spec.http < 600, code).toBe(true);
    }
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
