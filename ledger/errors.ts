/**
 * @module ledger/errors
 * One error class for the whole system, with a stable string `code` from one table, and the one
 * place where codes become CLI exit codes and HTTP statuses. Callers branch on `code`, never on
 * message text. Pure: no Node imports, so the browser verifier can use it.
 */

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

interface CodeSpec {
  /** CLI exit code. */
  exit: ExitCode;
  /** HTTP status for the API. */
  http: number;
  /** Whether trying the same thing again later may succeed. */
  retriable: boolean;
  /** One line for the code table in the docs. */
  doc: string;
}

/**
 * The code table. Codes are stable: never rename or reuse one; add new ones at the end of their
 * group.
 */
export const ERROR_CODES = {
  // usage and input
  USAGE: { exit: EXIT.USAGE, http: 400, retriable: false, doc: 'bad command-line usage' },
  BAD_ARGUMENT: { exit: EXIT.USAGE, http: 400, retriable: false, doc: 'an argument or field fails validation' },
  FILE_UNREADABLE: { exit: EXIT.USAGE, http: 400, retriable: false, doc: 'a file cannot be read' },
  FILE_EXISTS: { exit: EXIT.USAGE, http: 409, retriable: false, doc: 'refusing to overwrite an existing file' },
  KEY_FILE_PERMISSIONS: { exit: EXIT.USAGE, http: 400, retriable: false, doc: 'a private key file is readable by others' },
  PAYLOAD_TOO_LARGE: { exit: EXIT.USAGE, http: 413, retriable: false, doc: 'input over its size limit' },
  // decoding (a message that does not decode is INVALID: exit 1)
  MALFORMED: { exit: EXIT.FAILED_CHECK, http: 400, retriable: false, doc: 'bytes do not decode as the expected message' },
  NON_CANONICAL: { exit: EXIT.FAILED_CHECK, http: 400, retriable: false, doc: 'a message does not re-encode to its exact bytes' },
  LIMIT_EXCEEDED: { exit: EXIT.FAILED_CHECK, http: 400, retriable: false, doc: 'a field exceeds a genesis limit' },
  BAD_ID: { exit: EXIT.FAILED_CHECK, http: 400, retriable: false, doc: 'an identifier has characters outside [A-Za-z0-9._:-]' },
  BAD_LENGTH: { exit: EXIT.FAILED_CHECK, http: 400, retriable: false, doc: 'a fixed-size bytes field has the wrong length' },
  // checks
  CHECK_FAILED: { exit: EXIT.FAILED_CHECK, http: 422, retriable: false, doc: 'a verification failed' },
  BAD_SIGNATURE: { exit: EXIT.FAILED_CHECK, http: 422, retriable: false, doc: 'a signature does not verify under the Ed25519 rule' },
  BAD_PUBLIC_KEY: { exit: EXIT.FAILED_CHECK, http: 422, retriable: false, doc: 'a public key is not acceptable under the Ed25519 rule' },
  // state
  NOT_FOUND: { exit: EXIT.UNKNOWN, http: 404, retriable: false, doc: 'no such record' },
  CONFLICT: { exit: EXIT.FAILED_CHECK, http: 409, retriable: false, doc: 'the request conflicts with the current state' },
  STORE_FORMAT: { exit: EXIT.FAILED_CHECK, http: 500, retriable: false, doc: 'a data folder has an unknown format version' },
  STORE_LOCKED: { exit: EXIT.USAGE, http: 409, retriable: true, doc: 'a node data folder is open in another process (LevelDB allows one): stop the node, or use the API' },
  // environment
  MISSING_PREREQUISITE: { exit: EXIT.MISSING_PREREQUISITE, http: 503, retriable: false, doc: 'a required program (java, mvn, chromium) is missing' },
  UNAVAILABLE: { exit: EXIT.FAILED_CHECK, http: 503, retriable: true, doc: 'a service (Kafka, a peer) cannot be reached' },
  TIMEOUT: { exit: EXIT.FAILED_CHECK, http: 504, retriable: true, doc: 'an operation did not finish in time' },
  SELF_TEST_FAILED: { exit: EXIT.MISSING_PREREQUISITE, http: 500, retriable: false, doc: 'a start-up self-test failed (e.g. the linked OpenSSL)' },
  TOPIC_MISCONFIGURED: { exit: EXIT.FAILED_CHECK, http: 503, retriable: false, doc: 'a Kafka topic breaks the topic invariants (DESIGN.md section 8); nodes refuse to start on it' },
  // consensus
  DIVERGENCE: { exit: EXIT.HALTED, http: 503, retriable: false, doc: 'this node computed a header that differs from a committed one; halted' },
  INTERNAL: { exit: EXIT.FAILED_CHECK, http: 500, retriable: false, doc: 'a bug: an invariant did not hold' },
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The one error base class. `details` carries evidence (field names, expected and found values)
 * and is safe to show: it MUST NOT hold private keys.
 */
export class LedgerError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LedgerError';
    this.code = code;
    this.retriable = ERROR_CODES[code].retriable;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isLedgerError(e: unknown): e is LedgerError {
  return e instanceof LedgerError;
}

/** CLI exit code for any thrown value (a non-LedgerError is a bug: INTERNAL). */
export function exitCodeOf(e: unknown): ExitCode {
  return isLedgerError(e) ? ERROR_CODES[e.code].exit : ERROR_CODES.INTERNAL.exit;
}

/** HTTP status for any thrown value. */
export function httpStatusOf(e: unknown): number {
  return isLedgerError(e) ? ERROR_CODES[e.code].http : ERROR_CODES.INTERNAL.http;
}

/** Verdicts of the verifier and their exit codes (DESIGN.md section 10). */
export const VERDICT_EXIT = {
  VALID: EXIT.OK,
  INVALID: EXIT.FAILED_CHECK,
  REVOKED: EXIT.REVOKED,
  UNKNOWN: EXIT.UNKNOWN,
  EXPIRED: EXIT.EXPIRED,
  STALE: EXIT.STALE,
} as const;
export type Verdict = keyof typeof VERDICT_EXIT;
