/**
 * @module api/request-auth
 * Who is calling: a request signed under RFC 9421 (api/http-signature.ts) with a key the chain
 * registers. Why signatures and not mutual TLS: the departments' and nodes' keys are raw Ed25519
 * keys on the chain (DESIGN.md section 5), which a signature checks directly with the project's
 * one Ed25519 rule (section 4), through any proxy or load balancer, from curl, a browser or a
 * service, with no certificate authority and no certificate to bind to the key; mutual TLS would
 * need X.509 certificates issued for those keys and ends at the first TLS terminator.
 *
 * keyid forms:
 * - `department/<department id>/<key version>`: that department's key of that version, which must
 *   be current (not retired, not declared compromised) at the committed head; the role
 *   `department`, plus `auditor` when the department holds the `audit` right at the committed head
 *   (rules version 2) or the node's access configuration names it an auditor;
 * - `node/<index>`: a genesis node key; the role `operator` (who runs the nodes holds their keys).
 *
 * Against replay: `created` must lie within [now - maxAge, now + maxSkew] and a (keyid, nonce)
 * pair is accepted once in that window; the signature covers method, authority (so that a request
 * signed for one node cannot be replayed on another), path, query and the body's digest.
 */
import type { IncomingMessage } from 'node:http';
import { LedgerError } from '../errors/ledger-error.js';
import { verifyEd25519 } from '../ledger/signature.js';
import type { ApiContext } from './context.js';
import { checkCoverage, contentDigestOf, parseSignatureFields, signatureBase, type SignedRequestParts } from '../producers/http-signature.js';

export type Role = 'public' | 'department' | 'auditor' | 'operator';

/** An authenticated caller. */
export interface Caller {
  keyid: string;
  /** The department whose key signed (absent for a node key). */
  departmentId?: string;
  nodeIndex?: number;
  roles: ReadonlySet<Role>;
  /** The open local mode's caller: every role, no department scope (api/app.ts ApiAccess). */
  unscoped?: true;
}

export interface RequestAuthOptions {
  /** Departments (registered on chain, signing with their own keys) that hold the auditor role. */
  auditors?: readonly string[];
  /** How old a `created` may be, in seconds (default 120). */
  maxAgeSeconds?: number;
  /** How far ahead of this node's clock a `created` may be, in seconds (default 30). */
  maxSkewSeconds?: number;
  /** Upper bound of remembered nonces (default 200,000); beyond it requests are refused RATE_LIMITED. */
  maxNonces?: number;
  /** The clock, in ms (tests). */
  now?: () => number;
}

const DEPARTMENT_KEYID = /^department\/([A-Za-z0-9._:-]{1,64})\/([1-9]\d{0,8})$/;
const NODE_KEYID = /^node\/([1-9]\d{0,3})$/;

/** The request's parts as the signature base needs them, from a Node request. */
export function requestParts(req: IncomingMessage): SignedRequestParts {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const digest = req.headers['content-digest'];
  return {
    method: req.method ?? 'GET',
    authority: req.headers.host ?? '',
    path: q < 0 ? target : target.slice(0, q),
    query: q < 0 ? '' : target.slice(q + 1),
    ...(typeof digest === 'string' ? { contentDigest: digest } : {}),
  };
}

/** Whether a request carries a body (RFC 9112 section 6.3). */
export function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

export class RequestAuthenticator {
  private readonly auditors: ReadonlySet<string>;
  private readonly maxAgeMs: number;
  private readonly maxSkewMs: number;
  private readonly maxNonces: number;
  private readonly now: () => number;
  /** `keyid nonce` -> the time (ms) after which `created` is too old for it to matter. */
  private readonly nonces = new Map<string, number>();

  constructor(
    private readonly ctx: ApiContext,
    options: RequestAuthOptions = {},
  ) {
    this.auditors = new Set(options.auditors ?? []);
    this.maxAgeMs = (options.maxAgeSeconds ?? 120) * 1000;
    this.maxSkewMs = (options.maxSkewSeconds ?? 30) * 1000;
    this.maxNonces = options.maxNonces ?? 200_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Authenticates a request (its header fields; the body's digest is checked once the body is
   * read: checkBodyDigest).
   * @throws LedgerError UNAUTHENTICATED naming what is wrong, RATE_LIMITED when the nonce memory is full
   */
  async authenticate(req: IncomingMessage): Promise<Caller> {
    const parsed = parseSignatureFields(req.headers['signature-input'], req.headers.signature);
    checkCoverage(parsed.params, hasBody(req));
    const now = this.now();
    const createdMs = parsed.params.created * 1000;
    if (createdMs < now - this.maxAgeMs) throw new LedgerError('UNAUTHENTICATED', `the signature was created ${Math.round((now - createdMs) / 1000)} s ago; at most ${this.maxAgeMs / 1000} s are accepted: sign again`, { created: parsed.params.created });
    if (createdMs > now + this.maxSkewMs) throw new LedgerError('UNAUTHENTICATED', `the signature's created time is ${Math.round((createdMs - now) / 1000)} s ahead of this node's clock`, { created: parsed.params.created });
    const { publicKey, caller } = await this.keyOf(parsed.params.keyid);
    const base = signatureBase(requestParts(req), parsed.params.components, parsed.signatureParamsText);
    if (!verifyEd25519(publicKey, base, parsed.signature)) throw new LedgerError('UNAUTHENTICATED', `the signature does not verify under ${parsed.params.keyid}`, { keyid: parsed.params.keyid });
    // the nonce is spent only by a signature that verifies (others cannot fill the memory)
    this.spendNonce(`${parsed.params.keyid} ${parsed.params.nonce}`, createdMs, now);
    return caller;
  }

  private spendNonce(key: string, createdMs: number, now: number): void {
    const seen = this.nonces.get(key);
    if (seen !== undefined && seen > now) throw new LedgerError('UNAUTHENTICATED', 'this nonce was used already: a replayed request', {});
    if (this.nonces.size >= this.maxNonces) {
      for (const [k, until] of this.nonces) if (until <= now) this.nonces.delete(k);
      if (this.nonces.size >= this.maxNonces) throw new LedgerError('RATE_LIMITED', 'too many signed requests in the replay window: try again later', { retryAfterSeconds: Math.ceil(this.maxAgeMs / 1000) });
    }
    this.nonces.set(key, createdMs + this.maxAgeMs + 1);
  }

  private async keyOf(keyid: string): Promise<{ publicKey: Uint8Array; caller: Caller }> {
    const d = DEPARTMENT_KEYID.exec(keyid);
    if (d !== null) {
      const departmentId = d[1]!;
      const version = Number(d[2]!);
      const view = await this.ctx.queries.department(departmentId);
      let publicKey = view?.keys.find((k) => k.version === version && k.retiredAt === null && k.compromisedFrom === null)?.publicKey;
      if (view === undefined && this.ctx.state.height === 0n && version === 1) {
        // before block 1 the genesis authorities are not in the state yet (they enter it with block 1)
        publicKey = this.ctx.genesis.genesis.authorities.find((a) => a.departmentId === departmentId)?.publicKey;
      }
      if (publicKey === undefined) throw new LedgerError('UNAUTHENTICATED', `${keyid} is not a current key of a registered department`, { keyid });
      const roles = new Set<Role>(['department']);
      // the auditor: a department with the `audit` right on chain (rules version 2), or one the
      // node's configuration names (a chain of rules version 1 has no such right)
      if (view?.record.rights?.audit === true || this.auditors.has(departmentId)) roles.add('auditor');
      return { publicKey, caller: { keyid, departmentId, roles } };
    }
    const n = NODE_KEYID.exec(keyid);
    if (n !== null) {
      const node = this.ctx.genesis.genesis.nodes.find((x) => x.index === Number(n[1]!));
      if (node === undefined) throw new LedgerError('UNAUTHENTICATED', `${keyid} is not a node of the genesis`, { keyid });
      return { publicKey: node.publicKey, caller: { keyid, nodeIndex: node.index, roles: new Set<Role>(['operator']) } };
    }
    throw new LedgerError('UNAUTHENTICATED', 'keyid must be department/<id>/<key version> or node/<index>', {});
  }
}

/**
 * Checks the body against the Content-Digest the signature covered (RFC 9530): a signed request
 * whose body was changed on the way is refused.
 * @throws LedgerError UNAUTHENTICATED
 */
export function checkBodyDigest(req: IncomingMessage, body: Uint8Array): void {
  const declared = req.headers['content-digest'];
  if (typeof declared !== 'string' || declared.trim() !== contentDigestOf(body)) {
    throw new LedgerError('UNAUTHENTICATED', 'the body does not match the signed Content-Digest (sha-256)', {});
  }
}
