/**
 * @module api/routes-submit
 * `POST /v1/events` (a signed event in, a receipt out; api/submit.ts has the rules) and a
 * department's next sequence number as this node sees it.
 */
import express from 'express';
import { z } from 'zod';
import { fromHex } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { encode } from '../proto/codec.js';
import type { ApiContext } from './context.js';
import { jsonObject, type RouteSpec } from './route-spec.js';
import type { Submitter } from './submit.js';
import { identifier, MAX_BODY_BYTES, intText, parse, queryOf, safeIntText, waitText } from './validation.js';

const MAX_WAIT_MS = 120_000;
const DEFAULT_WAIT_MS = 30_000;
const base64Field = z.string().max(2 * MAX_BODY_BYTES).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'standard base64');
const jsonEvent = z.object({ body: base64Field, signature: base64Field }).strict();

export const rawBody = express.raw({ type: ['application/octet-stream', 'application/x-protobuf'], limit: MAX_BODY_BYTES });
// the exact bytes are kept for the signed Content-Digest check (api/request-auth.ts checkBodyDigest)
export const jsonBody = express.json({ limit: MAX_BODY_BYTES, strict: true, verify: (req, _res, buf) => void ((req as { rawBody?: Buffer }).rawBody = buf) });

function fromBase64(s: string, what: string): Uint8Array {
  if (s.length % 4 !== 0) throw new LedgerError('BAD_ARGUMENT', `${what}: standard base64 with padding`, { parameter: what });
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** The signed event's protobuf bytes from either body form. */
export function signedEventBytes(req: express.Request): Uint8Array {
  const type = (req.headers['content-type'] ?? '').toLowerCase(); // media types are case-insensitive
  if (Buffer.isBuffer(req.body) && /^application\/(octet-stream|x-protobuf)/.test(type)) return new Uint8Array(req.body);
  if (/^application\/json/.test(type)) {
    const j = parse(jsonEvent, req.body, 'body');
    return encode('SignedEvent', { body: fromBase64(j.body, 'body.body'), signature: fromBase64(j.signature, 'body.signature') });
  }
  throw new LedgerError('BAD_ARGUMENT', 'the body must be application/octet-stream (SignedEvent protobuf bytes) or application/json ({"body","signature"} in base64)', { contentType: type.slice(0, 100) });
}

export function submitRoutes(ctx: ApiContext, submitter: Submitter): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/v1/events',
      tag: 'submit',
      summary: 'submit a signed event; only the department\'s next sequence number is accepted (409 with `details.expected` otherwise); a byte-identical resend gets its receipt again',
      description:
        'The event is checked as consensus checks it (strict canonical decoding and the genesis limits, channel, a registered department and a key version that signs, the Ed25519 rule) and produced to the channel\'s Kafka topic. ' +
        'Without `wait`, the answer is 202 with a receipt `{status:"queued", eventId, departmentId, sequence, partition, offset}` once Kafka has the record. ' +
        'With `wait=commit`, the answer is 200 once the event is committed: `{status:"committed", height, index, logPosition, resultCode, resultName, inclusionProof}` (504 TIMEOUT after `timeoutMs`). An event already in the chain answers 200 with its committed receipt.',
      params: [
        { name: 'wait', in: 'query', description: '`commit`: answer once committed', validator: waitText },
        { name: 'timeoutMs', in: 'query', description: `how long to wait for the commit, 1..${MAX_WAIT_MS} (default ${DEFAULT_WAIT_MS})`, validator: intText(1, MAX_WAIT_MS) },
      ],
      requestBody: {
        description: `a SignedEvent: its protobuf bytes, or JSON with the body bytes and signature in base64 (at most ${MAX_BODY_BYTES} bytes; the event's record at most the genesis limit)`,
        content: {
          'application/octet-stream': { type: 'string', format: 'binary' },
          'application/json': { type: 'object', required: ['body', 'signature'], additionalProperties: false, properties: { body: { type: 'string', format: 'byte' }, signature: { type: 'string', format: 'byte' } } },
        },
      },
      responses: { '200': jsonObject('the committed receipt'), '202': jsonObject('the queued receipt') },
      middleware: [rawBody, jsonBody],
      handler: async (req, res) => {
        const q = queryOf(req.query, ['wait', 'timeoutMs']);
        if (q.wait !== undefined) parse(waitText, q.wait, 'wait');
        const timeoutMs = q.timeoutMs === undefined ? DEFAULT_WAIT_MS : parse(intText(1, MAX_WAIT_MS), q.timeoutMs, 'timeoutMs');
        const receipt = await submitter.submit(signedEventBytes(req));
        if (receipt.status === 'committed') {
          res.status(200).json(receipt);
          return;
        }
        if (q.wait === 'commit') {
          res.status(200).json(await submitter.waitCommitted(fromHex(receipt.eventId), timeoutMs));
          return;
        }
        res.status(202).json(receipt);
      },
    },
    {
      method: 'get',
      path: '/v1/departments/{departmentId}/next-sequence',
      tag: 'submit',
      summary: 'the sequence number this node accepts next from a department (committed next, plus the events it has queued)',
      params: [{ name: 'departmentId', in: 'path', description: 'department id', validator: identifier }],
      responses: { '200': jsonObject('{ departmentId, nextSequence, committedNextSequence, queued }') },
      handler: async (req, res) => {
        queryOf(req.query, []);
        const id = parse(identifier, req.params.departmentId, 'departmentId');
        const s = await submitter.expectedSequence(id);
        if (s === undefined) throw new LedgerError('NOT_FOUND', `no department ${id}`, { departmentId: id });
        res.json({ departmentId: id, nextSequence: s.expected.toString(), committedNextSequence: s.committed.toString(), queued: s.queued });
      },
    },
  ];
}
