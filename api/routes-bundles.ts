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
import { identifier, parse, u64Text } from './validation.js';

export function bundleRoutes(ctx: ApiContext): RouteSpec[] {
  const route = (kind: BundleTarget['kind']): RouteSpec => {
    const param = kind === 'certificate' ? 'certificateId' : 'requestId';
    return {
      method: 'get',
      path: `/v1/${kind === 'certificate' ? 'certificates' : 'grants'}/{${param}}/bundle`,
      tag: kind === 'certificate' ? 'certificates' : 'grants',
      summary: `the ${kind}'s proof bundle against the committed head, for offline verification (\`ledger verify\`, the reader page)`,
      params: [
        { name: param, in: 'path', description: `${kind === 'certificate' ? 'certificate' : 'grant (request)'} id`, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' } },
        { name: 'format', in: 'query', description: '`binary` (the protobuf ProofBundle) or `json` (its JSON view); default binary', schema: { type: 'string', enum: ['binary', 'json'] } },
        { name: 'fromLogSize', in: 'query', description: 'add a consistency proof from this log size (a checkpoint the reader trusts)', schema: { type: 'string' } },
      ],
      responses: {
        '200': { description: 'the bundle', content: { 'application/octet-stream': { type: 'string', format: 'binary' }, 'application/json': { type: 'object' } } },
      },
      handler: async (req, res) => {
        const id = parse(identifier, req.params[param], param);
        const q = req.query as Record<string, string>;
        const format = q.format ?? 'binary';
        if (format !== 'binary' && format !== 'json') throw new LedgerError('BAD_ARGUMENT', 'format must be binary or json', { parameter: 'format' });
        const fromLogSize = q.fromLogSize === undefined ? undefined : parse(u64Text, q.fromLogSize, 'fromLogSize');
        if (fromLogSize !== undefined && (fromLogSize < 1n || fromLogSize > BigInt(ctx.merkle.size))) {
          throw new LedgerError('BAD_ARGUMENT', `fromLogSize must be within 1..${ctx.merkle.size} (the log's size)`, { parameter: 'fromLogSize' });
        }
        const bundle = await buildProofBundle(ctx, { kind, id }, fromLogSize !== undefined ? { fromLogSize } : {});
        if (format === 'json') res.json(bundleToJson(bundle));
        else res.type('application/octet-stream').send(Buffer.from(bundle));
      },
    };
  };
  return [route('certificate'), route('grant')];
}
