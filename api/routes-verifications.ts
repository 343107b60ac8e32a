/**
 * @module api/routes-verifications
 * 用证留痕 (issue 24): a bank's online check of a certificate through the API leaves a record on
 * chain. The bank signs a CertificateVerified event (rules version 2, ledger/rules/encumbrances.ts:
 * which certificate, for what purpose) with its own key and posts it here in a request signed by
 * the same department (api/access-policy.ts: role `department`); the node commits it and answers
 * with the committed receipt (who, when: the record time of its block) and the certificate's proof
 * bundle against a head that includes the record. The node never signs for the bank: the record
 * is the bank's own signed statement, so that the holder can see it in `ledger trail --certificate`.
 * An offline check (`ledger verify`, the reader page over a QR code) calls nothing and leaves nothing.
 */
import { LedgerError } from '../errors/ledger-error.js';
import { fromHex } from '../ledger/bytes.js';
import { buildProofBundle } from '../proofs/bundle-builder.js';
import { decode } from '../proto/codec.js';
import { bundleToJson } from '../verifier/bundle-verify.js';
import type { ApiContext } from './context.js';
import type { Caller } from './request-auth.js';
import { jsonObject, type RouteSpec } from './route-spec.js';
import { jsonBody, rawBody, signedEventBytes } from './routes-submit.js';
import type { Submitter } from './submit.js';
import { identifier, intText, parse, queryOf } from './validation.js';

const MAX_WAIT_MS = 120_000;
const DEFAULT_WAIT_MS = 30_000;

/** The event's body, if it is a CertificateVerified about `certificateId` signed by the caller's department. */
function checkedVerification(ctx: ApiContext, bytes: Uint8Array, certificateId: string, caller: Caller | undefined): void {
  const signed = decode('SignedEvent', bytes, ctx.genesis.limits);
  const body = decode('EventBody', signed.body, ctx.genesis.limits);
  const v = body.certificateVerified;
  if (v === undefined) throw new LedgerError('BAD_ARGUMENT', 'the body must be a signed CertificateVerified event (payload 58)', { parameter: 'body' });
  if (v.certificateId !== certificateId) {
    throw new LedgerError('BAD_ARGUMENT', `the event verifies certificate ${JSON.stringify(v.certificateId)}, not ${JSON.stringify(certificateId)} of the path`, { parameter: 'body' });
  }
  // the open local mode's caller has no department; a signed caller may only record its own checks
  if (caller?.unscoped !== true && caller?.departmentId !== body.departmentId) {
    throw new LedgerError('FORBIDDEN', `a department may only record its own verifications: the request is signed by ${caller?.departmentId ?? 'nobody'}, the event by ${body.departmentId}`, {});
  }
}

export function verificationRoutes(ctx: ApiContext, submitter: Submitter): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/v1/certificates/{certificateId}/verifications',
      tag: 'certificates',
      summary: "an online verification that leaves a record (用证留痕): the caller's own signed CertificateVerified event is committed, then the certificate's bundle is returned",
      description:
        'The body is a SignedEvent (as for POST /v1/events) whose payload is CertificateVerified for the certificate of the path, signed by the department that signs the request. ' +
        'The answer, once committed: `{ verification: <committed receipt, with recordTimeMs>, bundle: <the JSON view of the certificate\'s proof bundle against a head that includes the record> }`. ' +
        'A verification of a certificate that does not exist is kept as rejected (CERT_NOT_FOUND) and its bundle proves the absence.',
      params: [
        { name: 'certificateId', in: 'path', description: 'certificate id', validator: identifier },
        { name: 'timeoutMs', in: 'query', description: `how long to wait for the commit, 1..${MAX_WAIT_MS} (default ${DEFAULT_WAIT_MS})`, validator: intText(1, MAX_WAIT_MS) },
      ],
      requestBody: {
        description: 'a SignedEvent with a CertificateVerified payload: its protobuf bytes, or JSON with the body bytes and signature in base64',
        content: {
          'application/octet-stream': { type: 'string', format: 'binary' },
          'application/json': { type: 'object', required: ['body', 'signature'], additionalProperties: false, properties: { body: { type: 'string', format: 'byte' }, signature: { type: 'string', format: 'byte' } } },
        },
      },
      responses: { '200': jsonObject('{ verification: committed receipt, bundle: the JSON view of the proof bundle }') },
      middleware: [rawBody, jsonBody],
      handler: async (req, res) => {
        const id = parse(identifier, req.params.certificateId, 'certificateId');
        const q = queryOf(req.query, ['timeoutMs']);
        const timeoutMs = q.timeoutMs === undefined ? DEFAULT_WAIT_MS : parse(intText(1, MAX_WAIT_MS), q.timeoutMs, 'timeoutMs');
        const bytes = signedEventBytes(req);
        checkedVerification(ctx, bytes, id, res.locals.caller as Caller | undefined);
        const queued = await submitter.submit(bytes);
        const committed = queued.status === 'committed' ? queued : await submitter.waitCommitted(fromHex(queued.eventId), timeoutMs);
        const block = await ctx.blocks.block(BigInt(committed.height));
        const recordTimeMs = block?.events[committed.index]?.recordTimeMs;
        const bundle = await buildProofBundle(ctx, { kind: 'certificate', id }, {});
        res.json({ verification: { ...committed, ...(recordTimeMs !== undefined ? { recordTimeMs: recordTimeMs.toString() } : {}) }, bundle: bundleToJson(bundle) });
      },
    },
  ];
}
