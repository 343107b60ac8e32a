/**
 * @module api/openapi
 * The OpenAPI 3 document of the API, written from the same route table the express app registers
 * (api/route-spec.ts), served at `/v1/openapi.json`. Every route answers errors as
 * `{code, message, details}` with the status of api/http-status.ts's table.
 */
import { ERROR_CODES } from '../errors/ledger-error.js';
import type { RoutePolicy } from './access-policy.js';
import type { RouteSpec } from './route-spec.js';
import { jsonSchemaOf } from './validation.js';

const ERROR_SCHEMA = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', enum: Object.keys(ERROR_CODES), description: 'stable code (errors/ledger-error.ts)' },
    message: { type: 'string' },
    details: { type: 'object' },
  },
};

function pathParamsOf(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]!);
}

/** RFC 9421 has no OpenAPI security type: the scheme names the field and points at the README. */
const SIGNATURE_SCHEME = {
  type: 'apiKey',
  in: 'header',
  name: 'Signature',
  description:
    'HTTP Message Signatures (RFC 9421) with Ed25519: Signature-Input `ledger=("@method" "@authority" "@path" "@query" ["content-digest"]);created=<unix s>;nonce="<unique>";keyid="department/<id>/<key version>";alg="ed25519"` and Signature `ledger=:<base64>:`, by a key the chain registers; `ledger sign-request` writes them (README "Who may read what").',
};

/**
 * @param info.policyOf each route's roles (api/access-policy.ts): every operation states them as
 *   `x-roles` and, when `info.signed` (the node's signed mode), as its `security` (none for a
 *   public route; none at all in the open local mode, which asks for no signature)
 */
export function openApiDocument(routes: RouteSpec[], info: { version: string; channel: string; policyOf: (r: RouteSpec) => RoutePolicy; signed: boolean }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const declared = new Set((r.params ?? []).filter((p) => p.in === 'path').map((p) => p.name));
    const params = [
      ...pathParamsOf(r.path)
        .filter((n) => !declared.has(n))
        .map((n) => ({ name: n, in: 'path', required: true, schema: { type: 'string' } })),
      ...(r.params ?? []).map((p) => ({ name: p.name, in: p.in, description: p.description, required: p.in === 'path' ? true : (p.required ?? false), schema: jsonSchemaOf(p.validator) })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, doc] of Object.entries(r.responses)) {
      responses[status] = {
        description: doc.description,
        ...(doc.content ? { content: Object.fromEntries(Object.entries(doc.content).map(([type, schema]) => [type, { schema }])) } : {}),
      };
    }
    const errorContent = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    responses['4XX'] = { description: 'bad input (400), unsigned or bad signature (401), role or scope refused (403), not found (404), conflict (409), too large (413), failed check (422), rate limited (429)', ...errorContent };
    const policy = info.policyOf(r);
    const isPublic = policy.roles.includes('public');
    responses['5XX'] = { description: 'unavailable (503: Kafka, no quorum signatures yet), timeout (504), internal (500)', ...errorContent };
    paths[r.path] ??= {};
    paths[r.path]![r.method] = {
      operationId: `${r.method}${r.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      tags: [r.tag],
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      'x-roles': [...policy.roles],
      // what this node demands: in the open local mode nothing (api/app.ts ApiAccess)
      security: isPublic || !info.signed ? [] : [{ httpSignature: [] }],
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(r.requestBody ? { requestBody: { required: true, description: r.requestBody.description, content: Object.fromEntries(Object.entries(r.requestBody.content).map(([t, schema]) => [t, { schema }])) } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Shared-records audit ledger API',
      version: info.version,
      description:
        `One consensus node's view of channel ${info.channel}. JSON conventions: bytes are lower-case hex, 64-bit integers are decimal strings. ` +
        'The ws stream is at /v1/stream (`?department=ID`, `?from=HEIGHT`). The transparency-log routes (/checkpoint, /tile/...) follow C2SP tlog-checkpoint, signed-note and tlog-tiles.',
    },
    paths,
    components: { schemas: { Error: ERROR_SCHEMA }, securitySchemes: { httpSignature: SIGNATURE_SCHEME } },
  };
}
