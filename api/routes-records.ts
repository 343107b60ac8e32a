/**
 * @module api/routes-records
 * The projections (DESIGN.md section 9) as ledger/queries.ts answers them: certificates and grants
 * (current record, void status, history), the catalogue, departments with their key history,
 * access records and rejected attempts, with filters and cursor pagination, and per-department
 * counts for the reader page's auditor view.
 */
import { toHex, tryFromHex, utf8 } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { idPrefix, prefixEnd } from '../ledger/projection-records.js';
import { decodeRecord } from '../ledger/state-records.js';
import type { AnySublevel } from '../ledger/state-store.js';
import { RESULT_CODES, type ResultName } from '../ledger/result-codes.js';
import { ShareType } from '../proto/schema.generated.js';
import type { ApiContext } from './context.js';
import { toJson, type Json } from './json.js';
import { jsonObject, pageParams, pageResponse, type ParamDoc, type RouteSpec } from './route-spec.js';
import { z } from 'zod';
import { hex32, identifier, pageOf, parse, queryOf, u64Text } from './validation.js';

const idParam = (name: string, what: string): ParamDoc => ({ name, in: 'path', description: `${what} (an identifier: 1 to 64 of A-Z a-z 0-9 . _ : -)`, validator: identifier });
const q = (name: string, description: string, validator: z.ZodType): ParamDoc => ({ name, in: 'query', description, validator });

function pageJson<T>(p: { items: T[]; next: string | null }): Json {
  return { items: p.items.map((i) => toJson(i)), next: p.next };
}

/** Exactly one of the named filters. */
function oneOf(query: Record<string, string>, names: string[], required: boolean): string | undefined {
  const given = names.filter((n) => query[n] !== undefined);
  if (given.length > 1) throw new LedgerError('BAD_ARGUMENT', `give one of ${names.join(', ')}, not several`, { parameters: given });
  if (given.length === 0 && required) throw new LedgerError('BAD_ARGUMENT', `one of ${names.join(', ')} is required`, { parameters: names });
  return given[0];
}

const SHARE_TYPES: Record<string, ShareType> = { UNCONDITIONAL: ShareType.UNCONDITIONAL, CONDITIONAL: ShareType.CONDITIONAL, NOT_SHARED: ShareType.NOT_SHARED, '1': ShareType.UNCONDITIONAL, '2': ShareType.CONDITIONAL, '3': ShareType.NOT_SHARED };

const shareTypeText = z.enum(Object.keys(SHARE_TYPES) as [string, ...string[]]);

/** A result code by name (ledger/result-codes.ts) or by number. */
const REJECTION_NAMES = (Object.keys(RESULT_CODES) as ResultName[]).filter((n) => n !== 'OK');
const resultCodeText = z.enum([...REJECTION_NAMES, ...REJECTION_NAMES.map((n) => String(RESULT_CODES[n].code))] as [string, ...string[]], {
  message: 'a rejection result code: its name (ledger/result-codes.ts, not OK) or its number',
});

function resultCodeOf(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const spec = RESULT_CODES[text as ResultName];
  if (spec === undefined) throw new LedgerError('BAD_ARGUMENT', `code: ${JSON.stringify(text.slice(0, 64))} is not a result code name or number`, { parameter: 'code' });
  return spec.code;
}

async function countPrefix(table: AnySublevel, prefix: Uint8Array): Promise<number> {
  const end = prefixEnd(prefix);
  let n = 0;
  for await (const _ of table.keys({ gte: prefix, ...(end ? { lt: end } : {}) } as never)) n++;
  return n;
}

export function recordRoutes(ctx: ApiContext): RouteSpec[] {
  const Q = ctx.queries;
  const t = ctx.projections.tables;
  return [
    {
      method: 'get',
      path: '/v1/certificates',
      tag: 'certificates',
      summary: 'certificates by issuer (in issue order) or by current holder commitment',
      params: [q('issuer', 'issuing department id', identifier), q('holder', 'holder commitment, 64 hex digits', hex32), ...pageParams],
      responses: { '200': pageResponse('certificates `{ record, void }`') },
      handler: async (req, res) => {
        const query = queryOf(req.query, ['issuer', 'holder', 'limit', 'cursor']);
        const page = pageOf(query);
        const by = oneOf(query, ['issuer', 'holder'], true);
        const p = by === 'issuer' ? await Q.certificatesByIssuer(parse(identifier, query.issuer, 'issuer'), page) : await Q.certificatesByHolder(parse(hex32, query.holder, 'holder'), page);
        res.json(pageJson(p));
      },
    },
    {
      method: 'get',
      path: '/v1/certificates/{certificateId}',
      tag: 'certificates',
      summary: 'a certificate as it stands (status, void reason) with the first page of its history',
      params: [idParam('certificateId', 'certificate id, e.g. BDC:110105:2026-0001'), ...pageParams],
      responses: { '200': jsonObject('{ certificate: { record, void }, history: page }') },
      handler: async (req, res) => {
        const id = parse(identifier, req.params.certificateId, 'certificateId');
        const r = await Q.certificate(id, pageOf(queryOf(req.query, ['limit', 'cursor'])));
        if (r === undefined) throw new LedgerError('NOT_FOUND', `no certificate ${id}`, { certificateId: id });
        res.json({ certificate: toJson(r.certificate), history: pageJson(r.history) });
      },
    },
    {
      method: 'get',
      path: '/v1/certificates/{certificateId}/history',
      tag: 'certificates',
      summary: 'every issue, amend, transfer and revoke naming a certificate, with result codes (rejected attempts too)',
      params: [idParam('certificateId', 'certificate id'), ...pageParams],
      responses: { '200': pageResponse('certificate events') },
      handler: async (req, res) => {
        const id = parse(identifier, req.params.certificateId, 'certificateId');
        res.json(pageJson(await Q.certificateHistory(id, pageOf(queryOf(req.query, ['limit', 'cursor'])))));
      },
    },
    {
      method: 'get',
      path: '/v1/grants',
      tag: 'grants',
      summary: 'share requests and grants by grantee (requester) or resource; `activeAt` keeps those active at a record time',
      params: [q('grantee', 'requesting department id', identifier), q('resource', 'resource id', identifier), q('activeAt', 'record time in ms (u64): only grants active then', u64Text), ...pageParams],
      responses: { '200': pageResponse('grants `{ record, void }`') },
      handler: async (req, res) => {
        const query = queryOf(req.query, ['grantee', 'resource', 'activeAt', 'limit', 'cursor']);
        const page = pageOf(query);
        const by = oneOf(query, ['grantee', 'resource'], query.activeAt === undefined);
        const filter = by === undefined ? {} : by === 'grantee' ? { grantee: parse(identifier, query.grantee, 'grantee') } : { resource: parse(identifier, query.resource, 'resource') };
        if (query.activeAt !== undefined) {
          res.json(pageJson(await Q.grantsActiveAt(parse(u64Text, query.activeAt, 'activeAt'), filter, page)));
        } else if (filter.grantee !== undefined) {
          res.json(pageJson(await Q.grantsByGrantee(filter.grantee, page)));
        } else {
          res.json(pageJson(await Q.grantsByResource(filter.resource!, page)));
        }
      },
    },
    {
      method: 'get',
      path: '/v1/grants/{requestId}',
      tag: 'grants',
      summary: 'a share request / grant (keyed by its request id) as it stands, with the first page of its history',
      params: [idParam('requestId', 'request id'), ...pageParams],
      responses: { '200': jsonObject('{ grant: { record, void }, history: page }') },
      handler: async (req, res) => {
        const id = parse(identifier, req.params.requestId, 'requestId');
        const r = await Q.grant(id, pageOf(queryOf(req.query, ['limit', 'cursor'])));
        if (r === undefined) throw new LedgerError('NOT_FOUND', `no request or grant ${id}`, { requestId: id });
        res.json({ grant: toJson(r.grant), history: pageJson(r.history) });
      },
    },
    {
      method: 'get',
      path: '/v1/grants/{requestId}/history',
      tag: 'grants',
      summary: 'every request, grant, denial and revocation naming a request id, with result codes',
      params: [idParam('requestId', 'request id'), ...pageParams],
      responses: { '200': pageResponse('grant events') },
      handler: async (req, res) => {
        const id = parse(identifier, req.params.requestId, 'requestId');
        res.json(pageJson(await Q.grantHistory(id, pageOf(queryOf(req.query, ['limit', 'cursor'])))));
      },
    },
    {
      method: 'get',
      path: '/v1/resources',
      tag: 'catalogue',
      summary: 'the resource catalogue (信息资源目录): all by id, or by share type, or by source department',
      params: [q('shareType', 'UNCONDITIONAL, CONDITIONAL or NOT_SHARED (or 1, 2, 3)', shareTypeText), q('source', 'source department id', identifier), ...pageParams],
      responses: { '200': pageResponse('resource records') },
      handler: async (req, res) => {
        const query = queryOf(req.query, ['shareType', 'source', 'limit', 'cursor']);
        const page = pageOf(query);
        const by = oneOf(query, ['shareType', 'source'], false);
        if (by === 'shareType') {
          const st = SHARE_TYPES[parse(shareTypeText, query.shareType, 'shareType')]!;
          res.json(pageJson(await Q.resourcesByShareType(st, page)));
        } else if (by === 'source') {
          res.json(pageJson(await Q.resourcesBySource(parse(identifier, query.source, 'source'), page)));
        } else {
          res.json(await allResources(ctx, page));
        }
      },
    },
    {
      method: 'get',
      path: '/v1/resources/{resourceId}',
      tag: 'catalogue',
      summary: 'one catalogue resource: source, share type, fields, latest version and digest',
      params: [idParam('resourceId', 'resource id')],
      responses: { '200': jsonObject('the resource record') },
      handler: async (req, res) => {
        const id = parse(identifier, req.params.resourceId, 'resourceId');
        const r = await Q.resource(id);
        if (r === undefined) throw new LedgerError('NOT_FOUND', `no resource ${id}`, { resourceId: id });
        res.json({ resource: toJson(r) });
      },
    },
    {
      method: 'get',
      path: '/v1/departments',
      tag: 'departments',
      summary: 'every department (the genesis authorities included), by id, with key history',
      params: [...pageParams],
      responses: { '200': pageResponse('departments `{ record, keys }`') },
      handler: async (req, res) => {
        res.json(pageJson(await Q.departments(pageOf(queryOf(req.query, ['limit', 'cursor'])))));
      },
    },
    {
      method: 'get',
      path: '/v1/certificate-types',
      tag: 'catalogue',
      summary: 'the catalogue\'s certificate types by name (issue 24): BDC = 不动产权证书, by id',
      params: [...pageParams],
      responses: { '200': pageResponse('certificate types `{ certificateTypeId, name, definingEvent }`') },
      handler: async (req, res) => {
        res.json(pageJson(await Q.certificateTypes(pageOf(queryOf(req.query, ['limit', 'cursor'])))));
      },
    },
    {
      method: 'get',
      path: '/v1/certificate-types/{certificateTypeId}',
      tag: 'catalogue',
      summary: 'one certificate type as the catalogue names it',
      params: [idParam('certificateTypeId', 'certificate type code (e.g. BDC)')],
      responses: { '200': jsonObject('{ certificateTypeId, name, definingEvent }') },
      handler: async (req, res) => {
        queryOf(req.query, []);
        const id = parse(identifier, req.params.certificateTypeId, 'certificateTypeId');
        const t = await Q.certificateType(id);
        if (t === undefined) throw new LedgerError('NOT_FOUND', `no certificate type ${id} in the catalogue`, { certificateTypeId: id });
        res.json(toJson(t));
      },
    },
    {
      method: 'get',
      path: '/v1/departments/{departmentId}',
      tag: 'departments',
      summary: 'one department: rights, suspension, next sequence, keys by version (activation, retirement, compromise log positions)',
      params: [idParam('departmentId', 'department id')],
      responses: { '200': jsonObject('{ record, keys }') },
      handler: async (req, res) => {
        const id = parse(identifier, req.params.departmentId, 'departmentId');
        const d = await Q.department(id);
        if (d === undefined) throw new LedgerError('NOT_FOUND', `no department ${id}`, { departmentId: id });
        res.json(toJson(d));
      },
    },
    {
      method: 'get',
      path: '/v1/access',
      tag: 'access',
      summary: 'access records (every included AccessRecorded, OK or rejected) by resource, grantee, grant or subject commitment',
      params: [q('resource', 'resource id', identifier), q('grantee', 'reading department id', identifier), q('grant', 'grant (request) id', identifier), q('subject', 'subject commitment, 64 hex digits', hex32), ...pageParams],
      responses: { '200': pageResponse('access records') },
      handler: async (req, res) => {
        const query = queryOf(req.query, ['resource', 'grantee', 'grant', 'subject', 'limit', 'cursor']);
        const page = pageOf(query);
        const by = oneOf(query, ['resource', 'grantee', 'grant', 'subject'], true);
        const p =
          by === 'resource'
            ? await Q.accessByResource(parse(identifier, query.resource, 'resource'), page)
            : by === 'grantee'
              ? await Q.accessByGrantee(parse(identifier, query.grantee, 'grantee'), page)
              : by === 'grant'
                ? await Q.accessByGrant(parse(identifier, query.grant, 'grant'), page)
                : await Q.accessBySubject(parse(hex32, query.subject, 'subject'), page);
        res.json(pageJson(p));
      },
    },
    {
      method: 'get',
      path: '/v1/rejected',
      tag: 'access',
      summary: 'rejected attempts (included events whose result is not OK), all, by department or by result code',
      params: [q('department', 'signing department id', identifier), q('code', 'rejection result code name (e.g. GRANT_EXHAUSTED) or number', resultCodeText), ...pageParams],
      responses: { '200': pageResponse('rejected attempts') },
      handler: async (req, res) => {
        const query = queryOf(req.query, ['department', 'code', 'limit', 'cursor']);
        const page = pageOf(query);
        const by = oneOf(query, ['department', 'code'], false);
        const p =
          by === 'department'
            ? await Q.rejectedByDepartment(parse(identifier, query.department, 'department'), page)
            : by === 'code'
              ? await Q.rejectedByCode(resultCodeOf(parse(resultCodeText, query.code, 'code')), page)
              : await Q.rejected(page);
        res.json(pageJson(p));
      },
    },
    {
      method: 'get',
      path: '/v1/stats/departments',
      tag: 'departments',
      summary: 'per department: events that took a sequence number, rejected attempts, access records (the auditor view)',
      params: [...pageParams],
      responses: { '200': pageResponse('`{ departmentId, name, suspended, events, rejections, accesses }`') },
      handler: async (req, res) => {
        const page = await Q.departments(pageOf(queryOf(req.query, ['limit', 'cursor'])));
        const items = [];
        for (const d of page.items) {
          const id = d.record.departmentId;
          items.push({
            departmentId: id,
            name: d.record.name,
            suspended: d.record.suspended,
            // every included event with sequence = next advanced it (DESIGN.md section 6)
            events: (d.record.nextSequence - 1n).toString(),
            rejections: await countPrefix(t['proj-rejected-by-dept'], idPrefix(id)),
            accesses: await countPrefix(t['proj-access-by-grantee'], idPrefix(id)),
          });
        }
        res.json({ height: ctx.blocks.head.height.toString(), items, next: page.next });
      },
    },
  ];
}

/** Every resource record by id bytes (state records `resource/<id>`). */
async function allResources(ctx: ApiContext, page: { limit?: number; cursor?: string }): Promise<Json> {
  const prefix = utf8('resource/');
  const limit = page.limit ?? 100;
  let gt: Uint8Array | undefined;
  if (page.cursor !== undefined) {
    gt = tryFromHex(page.cursor);
    if (gt === undefined || gt.length <= prefix.length || toHex(gt.subarray(0, prefix.length)) !== toHex(prefix)) throw new LedgerError('BAD_ARGUMENT', 'the cursor is not one this query returned', { parameter: 'cursor' });
  }
  const items: Json[] = [];
  let last: Uint8Array | undefined;
  let more = false;
  for await (const [k, v] of ctx.state.records.iterator({ ...(gt ? { gt } : { gte: prefix }), lt: prefixEnd(prefix)!, limit: limit + 1 } as never) as AsyncIterable<[Uint8Array, Uint8Array]>) {
    if (items.length === limit) {
      more = true;
      break;
    }
    items.push(toJson(decodeRecord('resource', v)));
    last = k;
  }
  return { items, next: more && last ? toHex(last) : null };
}
