/**
 * @module errors/ledger-error
 * One error class for the whole system, with a stable string `code` from one table. Callers branch
 * on `code`, never on message text. This is the bottom layer: it imports nothing of ours, so
 * `proto/` and the browser verifier can use it. What a code means to a command line (exit code) and
 * to HTTP (status) lives with them: cli/exit-codes.ts and api/http-status.ts.
 */

interface CodeSpec {
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
  USAGE: { retriable: false, doc: 'bad command-line usage' },
  BAD_ARGUMENT: { retriable: false, doc: 'an argument or field fails validation' },
  METHOD_NOT_ALLOWED: { retriable: false, doc: 'an HTTP method the path does not serve (the Allow header lists those it does)' },
  FILE_UNREADABLE: { retriable: false, doc: 'a file cannot be read' },
  FILE_EXISTS: { retriable: false, doc: 'refusing to overwrite an existing file' },
  KEY_FILE_PERMISSIONS: { retriable: false, doc: 'a private key file is readable by others' },
  PAYLOAD_TOO_LARGE: { retriable: false, doc: 'input over its size limit' },
  UNAUTHENTICATED: { retriable: false, doc: 'a request is not signed by an active key of the identity it names (RFC 9421 on the API, api/request-auth.ts; the exchange point, exchange/request-auth.ts)' },
  FORBIDDEN: { retriable: false, doc: "the caller's role may not use this route or read this record (api/access-policy.ts)" },
  RATE_LIMITED: { retriable: true, doc: 'the caller made too many requests of this kind: wait for the Retry-After seconds' },
  // decoding (a message that does not decode is INVALID: exit 1)
  MALFORMED: { retriable: false, doc: 'bytes do not decode as the expected message' },
  NON_CANONICAL: { retriable: false, doc: 'a message does not re-encode to its exact bytes' },
  LIMIT_EXCEEDED: { retriable: false, doc: 'a field exceeds a genesis limit' },
  BAD_ID: { retriable: false, doc: 'an identifier has characters outside [A-Za-z0-9._:-]' },
  BAD_LENGTH: { retriable: false, doc: 'a fixed-size bytes field has the wrong length' },
  // checks
  CHECK_FAILED: { retriable: false, doc: 'a verification failed' },
  BAD_SIGNATURE: { retriable: false, doc: 'a signature does not verify under the Ed25519 rule' },
  BAD_PUBLIC_KEY: { retriable: false, doc: 'a public key is not acceptable under the Ed25519 rule' },
  // state
  NOT_FOUND: { retriable: false, doc: 'no such record' },
  READ_REFUSED: { retriable: false, doc: 'an exchange point refused a read; the refusal is on chain with its result code (details.resultName, details.eventId)' },
  CONFLICT: { retriable: false, doc: 'the request conflicts with the current state' },
  STORE_FORMAT: { retriable: false, doc: 'a data folder has an unknown format version' },
  STORE_LOCKED: { retriable: true, doc: 'a node data folder is open in another process (LevelDB allows one): stop the node, or use the API' },
  // environment
  MISSING_PREREQUISITE: { retriable: false, doc: 'a required program (java, mvn, chromium) is missing' },
  UNAVAILABLE: { retriable: true, doc: 'a service (Kafka, a peer) cannot be reached' },
  TIMEOUT: { retriable: true, doc: 'an operation did not finish in time' },
  SELF_TEST_FAILED: { retriable: false, doc: 'a start-up self-test failed (e.g. the linked OpenSSL)' },
  TOPIC_MISCONFIGURED: { retriable: false, doc: 'a Kafka topic breaks the topic invariants (DESIGN.md section 8); nodes refuse to start on it' },
  // consensus
  DIVERGENCE: { retriable: false, doc: 'this node computed a header that differs from a committed one; halted' },
  INTERNAL: { retriable: false, doc: 'a bug: an invariant did not hold' },
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
