/**
 * @module api/access-policy
 * Who may read what (按权限的数据访问, issue 22): the one table of the roles allowed on every API
 * route, the per-department scope of the routes a department may use for its own records, and
 * which routes count against the per-identity write and heavy-read limits. The README's "Who may
 * read what" section documents this table; api/app.ts refuses to start with a route missing here.
 *
 * Roles: `public` (anyone, unsigned: the trust anchor, headers, checkpoints, tiles, note keys,
 * proofs for a subject id the caller names, the trail index and the events whose opening or
 * certificate the caller shows), `department` (a signed request of a registered
 * department: its own events and receipts, the catalogue, grants, requests and accesses it is
 * party to), `auditor` (a department the node's configuration names auditor: everything, read
 * only), `operator` (a genesis node key: the node's status).
 *
 * A department asking for a record it is not party to gets the same 404 as for a record that does
 * not exist, so that it cannot learn whether a private record exists; a filter naming another
 * department is refused with 403 (the caller chose the value, nothing is revealed).
 */
import type { Request } from 'express';
import { LedgerError } from '../errors/ledger-error.js';
import { decode } from '../proto/codec.js';
import type { ApiContext } from './context.js';
import type { Caller, Role } from './request-auth.js';
import { hex32, identifier, parse } from './validation.js';

/** What a department may see of a route it may call; throws FORBIDDEN or NOT_FOUND. */
export type DepartmentScope = (req: Request, departmentId: string, ctx: ApiContext) => Promise<void>;

export interface RoutePolicy {
  /** Who may call; `public` means anyone, unsigned. An auditor is never limited by `scope`. */
  roles: readonly Role[];
  /** For the `department` role: what of the route it may use. Absent: all of it. */
  scope?: DepartmentScope;
  /** The per-identity limit the route counts against (api/rate-limit.ts). */
  limit?: 'write' | 'heavy';
}

const query = (req: Request, name: string): string | undefined => {
  const v = (req.query as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
};

function forbidden(what: string): LedgerError {
  return new LedgerError('FORBIDDEN', `a department may only ${what}; other departments' records need the auditor role`, {});
}

/** The filter names the caller itself. */
function ownFilter(name: string): DepartmentScope {
  return async (req, departmentId) => {
    if (query(req, name) !== departmentId) throw forbidden(`query ${name}=<its own id>`);
  };
}

async function isSourceOf(ctx: ApiContext, resourceId: string | undefined, departmentId: string): Promise<boolean> {
  if (resourceId === undefined) return false;
  const r = await ctx.queries.resource(parse(identifier, resourceId, 'resource'));
  return r !== undefined && r.sourceDepartmentId === departmentId;
}

/** A grant (request) the department made or that a resource it is the source of answers. */
async function isPartyToGrant(ctx: ApiContext, requestId: string, departmentId: string): Promise<boolean> {
  const g = await ctx.queries.grant(requestId, { limit: 1 });
  if (g === undefined) return false;
  const r = g.grant.record;
  return r.requesterDepartmentId === departmentId || r.grantorDepartmentId === departmentId || (await isSourceOf(ctx, r.resourceId, departmentId));
}

const grantParty: DepartmentScope = async (req, departmentId, ctx) => {
  const id = parse(identifier, req.params.requestId, 'requestId');
  if (!(await isPartyToGrant(ctx, id, departmentId))) throw new LedgerError('NOT_FOUND', `no request or grant ${id}`, { requestId: id });
};

const certificateIssuer: DepartmentScope = async (req, departmentId, ctx) => {
  const id = parse(identifier, req.params.certificateId, 'certificateId');
  const c = await ctx.queries.certificate(id, { limit: 1 });
  if (c === undefined || c.certificate.record.issuerDepartmentId !== departmentId) throw new LedgerError('NOT_FOUND', `no certificate ${id}`, { certificateId: id });
};

const ownEvent: DepartmentScope = async (req, departmentId, ctx) => {
  const id = parse(hex32, req.params.eventId, 'eventId');
  const loc = await ctx.state.eventLocation(id);
  const block = loc === undefined || loc.height > ctx.blocks.head.height ? undefined : await ctx.blocks.block(loc.height);
  const e = loc === undefined ? undefined : block?.events[loc.index];
  if (e === undefined || decode('EventBody', e.event!.body, ctx.genesis.limits).departmentId !== departmentId) {
    throw new LedgerError('NOT_FOUND', `event ${req.params.eventId} is not in the committed chain`, { eventId: String(req.params.eventId) });
  }
};

const ownCertificates: DepartmentScope = async (req, departmentId) => {
  if (query(req, 'issuer') !== departmentId) throw forbidden('list the certificates it issued (issuer=<its own id>)');
};

const ownGrants: DepartmentScope = async (req, departmentId, ctx) => {
  if (query(req, 'grantee') === departmentId) return;
  if (query(req, 'grantee') === undefined && (await isSourceOf(ctx, query(req, 'resource'), departmentId))) return;
  throw forbidden('list its own requests (grantee=<its own id>) or the grants of a resource it is the source of (resource=<id>)');
};

const ownAccess: DepartmentScope = async (req, departmentId, ctx) => {
  if (query(req, 'grantee') === departmentId) return;
  const resource = query(req, 'resource');
  if (resource !== undefined && query(req, 'grantee') === undefined && (await isSourceOf(ctx, resource, departmentId))) return;
  const grant = query(req, 'grant');
  if (grant !== undefined && resource === undefined && query(req, 'grantee') === undefined && (await isPartyToGrant(ctx, parse(identifier, grant, 'grant'), departmentId))) return;
  throw forbidden('list its own accesses (grantee=<its own id>), those of a resource it is the source of, or of a grant it is party to; subject queries need the auditor role');
};

const ownDepartmentParam: DepartmentScope = async (req, departmentId) => {
  if (req.params.departmentId !== departmentId) throw forbidden('ask for its own next sequence number');
};

const PUBLIC: RoutePolicy = { roles: ['public'] };
const CATALOGUE: RoutePolicy = { roles: ['department', 'auditor'] };
const AUDIT: RoutePolicy = { roles: ['auditor'], limit: 'heavy' };
/** Whole blocks: an auditor, or a node operator (its peers send it every block anyway). */
const BLOCKS: RoutePolicy = { roles: ['auditor', 'operator'], limit: 'heavy' };

/**
 * The policy of every route, by `<method> <OpenAPI path>`. A route of the API that is missing here
 * makes createApi throw (and test/unit/access-policy.test.ts fail).
 */
export const ROUTE_POLICY: Readonly<Record<string, RoutePolicy>> = {
  // the trust anchor and what readers and monitors check against it
  'get /v1/genesis': PUBLIC,
  'get /v1/head': PUBLIC,
  'get /v1/headers': PUBLIC,
  'get /v1/headers/{height}': PUBLIC,
  'get /v1/proofs/consistency': PUBLIC,
  'get /checkpoint': PUBLIC,
  'get /checkpoint/witnessed': PUBLIC,
  'get /v1/checkpoint': PUBLIC,
  'get /tile/{level}/{index}': PUBLIC,
  'get /tile/entries/{index}': PUBLIC,
  'get /v1/note-keys': PUBLIC,
  'get /v1/openapi.json': PUBLIC,
  // a proof for a subject id the caller names (a reader holding a certificate number)
  'get /v1/certificates/{certificateId}/bundle': { roles: ['public'], limit: 'heavy' },
  'get /v1/grants/{requestId}/bundle': { roles: ['public'], limit: 'heavy' },
  // the citizen's trail and a certificate's verifications (api/routes-trail.ts): the index shows
  // only salts, tags and certificate hashes; an event only to whoever shows its opening or names its certificate
  'get /v1/trail/index': { roles: ['public'], limit: 'heavy' },
  'get /v1/trail/reads/{eventId}': { roles: ['public'], limit: 'heavy' },
  'get /v1/trail/verifications/{eventId}': { roles: ['public'], limit: 'heavy' },
  // whole blocks hold every department's events
  'get /v1/blocks/{height}': BLOCKS,
  'get /v1/blocks/{height}/raw': BLOCKS,
  'get /v1/stats/departments': AUDIT,
  'get /v1/events/{eventId}': { roles: ['department', 'auditor'], scope: ownEvent },
  'get /v1/status': { roles: ['operator', 'auditor'] },
  // the catalogue and the registry of departments
  'get /v1/resources': CATALOGUE,
  'get /v1/resources/{resourceId}': CATALOGUE,
  'get /v1/departments': CATALOGUE,
  'get /v1/departments/{departmentId}': CATALOGUE,
  'get /v1/certificate-types': CATALOGUE,
  'get /v1/certificate-types/{certificateTypeId}': CATALOGUE,
  // records a department is party to
  'get /v1/certificates': { roles: ['department', 'auditor'], scope: ownCertificates },
  'get /v1/certificates/{certificateId}': { roles: ['department', 'auditor'], scope: certificateIssuer },
  'get /v1/certificates/{certificateId}/history': { roles: ['department', 'auditor'], scope: certificateIssuer },
  'get /v1/grants': { roles: ['department', 'auditor'], scope: ownGrants },
  'get /v1/grants/{requestId}': { roles: ['department', 'auditor'], scope: grantParty },
  'get /v1/grants/{requestId}/history': { roles: ['department', 'auditor'], scope: grantParty },
  'get /v1/access': { roles: ['department', 'auditor'], scope: ownAccess, limit: 'heavy' },
  'get /v1/rejected': { roles: ['department', 'auditor'], scope: ownFilter('department') },
  // the sharing performance report (issue 25): a department's own figures (department=<its id>), or all for the auditor
  'get /v1/report': { roles: ['department', 'auditor'], scope: ownFilter('department'), limit: 'heavy' },
  // its own submissions
  'post /v1/events': { roles: ['department'], limit: 'write' },
  // 用证留痕 (issue 24): a department's online check of a certificate, recorded as its own signed event
  'post /v1/certificates/{certificateId}/verifications': { roles: ['department'], limit: 'write' },
  'get /v1/departments/{departmentId}/next-sequence': { roles: ['department', 'auditor'], scope: ownDepartmentParam },
};

/** The policy key of a route. */
export function policyKey(method: string, path: string): string {
  return `${method.toLowerCase()} ${path}`;
}

/**
 * Decides whether `caller` (undefined: unsigned) may use a route; runs the department scope.
 * @throws LedgerError UNAUTHENTICATED (a non-public route, unsigned), FORBIDDEN (a role the route
 *   does not admit, or a filter naming another department), NOT_FOUND (a record the department is
 *   not party to, answered as if it did not exist)
 */
export async function authorize(policy: RoutePolicy, caller: Caller | undefined, req: Request, ctx: ApiContext): Promise<void> {
  if (policy.roles.includes('public')) return;
  if (caller === undefined) throw new LedgerError('UNAUTHENTICATED', 'this route needs a signed request (RFC 9421)', {});
  if (caller.unscoped === true) return;
  if (caller.roles.has('auditor') && policy.roles.includes('auditor')) return;
  if (caller.roles.has('operator') && policy.roles.includes('operator')) return;
  if (caller.roles.has('department') && policy.roles.includes('department') && caller.departmentId !== undefined) {
    if (policy.scope !== undefined) await policy.scope(req, caller.departmentId, ctx);
    return;
  }
  throw new LedgerError('FORBIDDEN', `this route is for the role ${policy.roles.join(' or ')}`, { roles: [...policy.roles] });
}

/** The stream (`ws /v1/stream`): headers are public; `?department=X` is X's own events (or an auditor's). */
export function authorizeStream(caller: Caller | undefined, department: string | undefined): void {
  if (department === undefined) return;
  if (caller === undefined) throw new LedgerError('UNAUTHENTICATED', "a department's event stream needs a signed request (RFC 9421)", {});
  if (caller.unscoped === true) return;
  if (caller.roles.has('auditor') || caller.departmentId === department) return;
  throw forbidden("stream its own events (department=<its own id>)");
}
