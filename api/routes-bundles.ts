/**
 * @module api/routes-bundles
 * Proof bundles over the API (DESIGN.md sections 10 and 11): a certificate's or
 * grant's bundle against the committed head, built by proofs/bundle-builder.ts from the node's
 * stores, as binary (the protobuf a QR code carries) or its JSON view. An absent record gets a
 * bundle too: its non-membership proof, which the verifier reports as UNKNOWN.
 */
import { buildProofBundle, type BundleTarget } from '../proofs/bundle-builder.js';
import { LedgerError } from '../errors/ledger-error.js';
import { bundleToJson } from '../verifier/bundle-verify.js';
import type { ApiContext } from './context.js';
import type { RouteSpec } from './route-spec.js';
import { attachWitnessed } from '../proofs/bundle-witnessed.js';
import { booleanText, formatText, identifier, intText, parse } from './validation.js';

/** How long a witnessed bundle waits for the witnesses to cosign the head (they do after each commit). */
const WITNESSED_WAIT_MS = 10_000;

/** The bundle with the witnesses' cosignatures of a checkpoint covering its header, waiting a little for them. */
async function withWitnesses(ctx: ApiContext, bundle: Uint8Array): Promise<Uint8Array> {
  if (ctx.witnessed === undefined) throw new LedgerError('NOT_FOUND', 'this chain\'s genesis names no witnesses', {});
  const until = Date.now() + WITNESSED_WAIT_MS;
  for (;;) {
    const note = ctx.witnessed().quorum?.note;
    try {
      if (note === undefined) throw new LedgerError('UNAVAILABLE', 'no checkpoint has reached the witness quorum yet', {});
      return await attachWitnessed(bundle, note, ctx.genesis, (o, n) => ctx.merkle.consistencyProof(o, n));
    } catch (e) {
      if (!(e instanceof LedgerError) || e.code !== 'UNAVAILABLE' || Date.now() > until) throw e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function bundleRoutes(ctx: ApiContext): RouteSpec[] {
  const route = (kind: BundleTarget['kind']): RouteSpec => {
    const param = kind === 'certificate' ? 'certificateId' : 'requestId';
    return {
      method: 'get',
      path: `/v1/${kind === 'certificate' ? 'certificates' : 'grants'}/{${param}}/bundle`,
      tag: kind === 'certificate' ? 'certificates' : 'grants',
      summary: `the ${kind}'s proof bundle against the committed head, for offline verification (\`ledger verify\`, the reader page)`,
      params: [
        { name: param, in: 'path', description: `${kind === 'certificate' ? 'certificate' : 'grant (request)'} id`, validator: identifier },
        { name: 'format', in: 'query', description: '`binary` (the protobuf ProofBundle) or `json` (its JSON view); default binary', validator: formatText },
        { name: 'fromLogSize', in: 'query', description: 'add a consistency proof from this log size (a checkpoint the reader trusts)', validator: intText(1) },
        { name: 'witnessed', in: 'query', description: '`true`: add the outside witnesses\' cosignatures of a checkpoint covering the header (waits up to 10 s for them; 503 if they have not cosigned)', validator: booleanText },
      ],
      responses: {
        '200': { description: 'the bundle', content: { 'application/octet-stream': { type: 'string', format: 'binary' }, 'application/json': { type: 'object' } } },
      },
      handler: async (req, res) => {
        const id = parse(identifier, req.params[param], param);
        const q = req.query as Record<string, string>;
        const format = q.format === undefined ? 'binary' : parse(formatText, q.format, 'format');
        const fromLogSize = q.fromLogSize === undefined ? undefined : BigInt(parse(intText(1), q.fromLogSize, 'fromLogSize'));
        // a size this node's log has not reached (yet) is absent, as a height beyond the head is
        if (fromLogSize !== undefined && fromLogSize > BigInt(ctx.merkle.size)) {
          throw new LedgerError('NOT_FOUND', `fromLogSize ${fromLogSize} is beyond this node's log size ${ctx.merkle.size}`, { parameter: 'fromLogSize', logSize: String(ctx.merkle.size) });
        }
        const witnessed = q.witnessed === undefined ? false : parse(booleanText, q.witnessed, 'witnessed') === 'true';
        const built = await buildProofBundle(ctx, { kind, id }, fromLogSize !== undefined ? { fromLogSize } : {});
        const bundle = witnessed ? await withWitnesses(ctx, built) : built;
        if (format === 'json') res.json(bundleToJson(bundle));
        else res.type('application/octet-stream').send(Buffer.from(bundle));
      },
    };
  };
  return [route('certificate'), route('grant')];
}
