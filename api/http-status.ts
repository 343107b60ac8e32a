/**
 * @module api/http-status
 * The HTTP status of each error code (errors/ledger-error.ts): the one place where the API maps
 * codes to statuses.
 */
import { isLedgerError, type ErrorCode } from '../errors/ledger-error.js';

/** The HTTP status of each error code. */
export const HTTP_STATUS_BY_CODE = {
  // usage and input
  USAGE: 400,
  BAD_ARGUMENT: 400,
  METHOD_NOT_ALLOWED: 405,
  FILE_UNREADABLE: 400,
  FILE_EXISTS: 409,
  KEY_FILE_PERMISSIONS: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  // decoding (a message that does not decode is INVALID: exit 1)
  MALFORMED: 400,
  NON_CANONICAL: 400,
  LIMIT_EXCEEDED: 400,
  BAD_ID: 400,
  BAD_LENGTH: 400,
  // checks
  CHECK_FAILED: 422,
  BAD_SIGNATURE: 422,
  BAD_PUBLIC_KEY: 422,
  // state
  NOT_FOUND: 404,
  READ_REFUSED: 403,
  CONFLICT: 409,
  STORE_FORMAT: 500,
  STORE_LOCKED: 409,
  // environment
  MISSING_PREREQUISITE: 503,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  SELF_TEST_FAILED: 500,
  TOPIC_MISCONFIGURED: 503,
  // consensus
  DIVERGENCE: 503,
  INTERNAL: 500,
} as const satisfies Record<ErrorCode, number>;

/** HTTP status for any thrown value (a non-LedgerError is a bug: 500). */
export function httpStatusOf(e: unknown): number {
  return isLedgerError(e) ? HTTP_STATUS_BY_CODE[e.code] : HTTP_STATUS_BY_CODE.INTERNAL;
}
