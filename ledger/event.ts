/**
 * @module ledger/event
 * Signed events (DESIGN.md section 5): the body is an encoded EventBody; the event id is
 * SHA-256("ledger:event:v1" || body); the signature is Ed25519 over the 32-byte event id. A topic
 * record carries the signed event in a TopicRecord.
 */
import { encode, encodeChecked } from '../proto/codec.js';
import { DEFAULT_LIMITS, type DecodeLimits } from '../proto/limits.js';
import type { EventBody, SignedEvent } from '../proto/schema.generated.js';
import { LedgerError } from '../errors/ledger-error.js';
import { eventId } from './hash.js';

export interface Signer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export interface BuiltEvent {
  /** The event id (what is signed). */
  id: Uint8Array;
  body: Uint8Array;
  signed: SignedEvent;
  /** The Kafka record value: an encoded TopicRecord holding the signed event. */
  recordValue: Uint8Array;
}

/**
 * Encodes `body` (checked against the limits, as a node will decode it), signs its id, and wraps
 * it for the topic.
 * @throws LedgerError when the body breaks the wire rules or the limits (naming the field)
 */
export function buildSignedEvent(body: EventBody, signer: Signer, limits: DecodeLimits = DEFAULT_LIMITS): BuiltEvent {
  const bodyBytes = encodeChecked('EventBody', body, limits);
  const id = eventId(bodyBytes);
  const signed: SignedEvent = { body: bodyBytes, signature: signer.sign(id) };
  const recordValue = encode('TopicRecord', { event: signed });
  // DESIGN.md section 5: a record value is at most max_record_bytes; a node drops a larger one.
  if (recordValue.length > limits.maxRecordBytes) {
    throw new LedgerError('LIMIT_EXCEEDED', `the signed event is ${recordValue.length} bytes; a record is at most ${limits.maxRecordBytes}`, {
      length: recordValue.length,
      limit: limits.maxRecordBytes,
    });
  }
  return { id, body: bodyBytes, signed, recordValue };
}
