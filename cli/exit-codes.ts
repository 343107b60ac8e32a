/**
 * @module cli/exit-codes
 * The one table of exit codes of every `ledger` command (README "The `ledger` command"), and what
 * each error code (errors/ledger-error.ts) and each verdict (DESIGN.md section 10) exits with.
 */
import { isLedgerError, type ErrorCode } from '../errors/ledger-error.js';
import type { Verdict } from '../verifier/bundle-types.js';

/** Exit codes of every `ledger` command (one table, issue 2). */
export const EXIT = {
  OK: 0,
  FAILED_CHECK: 1,
  USAGE: 2,
  REVOKED: 3,
  UNKNOWN: 4,
  EXPIRED: 5,
  STALE: 6,
  MISSING_PREREQUISITE: 7,
  HALTED: 8,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of each error code. */
export const EXIT_BY_CODE = {
  // usage and input
  USAGE: EXIT.USAGE,
  BAD_ARGUMENT: EXIT.USAGE,
  METHOD_NOT_ALLOWED: EXIT.USAGE,
  FILE_UNREADABLE: EXIT.USAGE,
  FILE_EXISTS: EXIT.USAGE,
  KEY_FILE_PERMISSIONS: EXIT.USAGE,
  PAYLOAD_TOO_LARGE: EXIT.USAGE,
  UNAUTHENTICATED: EXIT.FAILED_CHECK,
  FORBIDDEN: EXIT.FAILED_CHECK,
  RATE_LIMITED: EXIT.FAILED_CHECK,
  // decoding (a message that does not decode is INVALID: exit 1)
  MALFORMED: EXIT.FAILED_CHECK,
  NON_CANONICAL: EXIT.FAILED_CHECK,
  LIMIT_EXCEEDED: EXIT.FAILED_CHECK,
  BAD_ID: EXIT.FAILED_CHECK,
  BAD_LENGTH: EXIT.FAILED_CHECK,
  // checks
  CHECK_FAILED: EXIT.FAILED_CHECK,
  BAD_SIGNATURE: EXIT.FAILED_CHECK,
  BAD_PUBLIC_KEY: EXIT.FAILED_CHECK,
  // state
  NOT_FOUND: EXIT.UNKNOWN,
  READ_REFUSED: EXIT.FAILED_CHECK,
  CONFLICT: EXIT.FAILED_CHECK,
  STORE_FORMAT: EXIT.FAILED_CHECK,
  STORE_LOCKED: EXIT.USAGE,
  // environment
  MISSING_PREREQUISITE: EXIT.MISSING_PREREQUISITE,
  UNAVAILABLE: EXIT.FAILED_CHECK,
  TIMEOUT: EXIT.FAILED_CHECK,
  SELF_TEST_FAILED: EXIT.MISSING_PREREQUISITE,
  TOPIC_MISCONFIGURED: EXIT.FAILED_CHECK,
  // consensus
  DIVERGENCE: EXIT.HALTED,
  INTERNAL: EXIT.FAILED_CHECK,
} as const satisfies Record<ErrorCode, ExitCode>;

/** CLI exit code for any thrown value (a non-LedgerError is a bug: INTERNAL). */
export function exitCodeOf(e: unknown): ExitCode {
  return isLedgerError(e) ? EXIT_BY_CODE[e.code] : EXIT_BY_CODE.INTERNAL;
}

/** Verdicts of the verifier and their exit codes (DESIGN.md section 10). */
export const VERDICT_EXIT = {
  VALID: EXIT.OK,
  INVALID: EXIT.FAILED_CHECK,
  REVOKED: EXIT.REVOKED,
  UNKNOWN: EXIT.UNKNOWN,
  EXPIRED: EXIT.EXPIRED,
  STALE: EXIT.STALE,
} as const satisfies Record<Verdict, ExitCode>;
