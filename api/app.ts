/**
 * @module api/app
 * The node's HTTP API (DESIGN.md section 11): an express app under `/v1` built from the route
 * tables of api/routes-*.ts, the C2SP transparency-log routes at the root (`/checkpoint`,
 * `/tile/...`), the OpenAPI document at `/v1/openapi.json`, the reader page's static files at `/`
 * (from dist/reader/, when built), the ws stream, and the hook that keeps the stream and the
 * submission queue up with commits. Errors are JSON `{code, message, details}` with the HTTP
 * status of api/http-status.ts; a stack trace is never sent; bad input is never a 5xx.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { packageVersion, PROJECT_ROOT } from '../stack/package-info.js';
import { isLedgerError, LedgerError } from '../errors/ledger-error.js';
import { httpStatusOf } from './http-status.js';
import { contextOf, type ApiContext, type ApiNode } from './context.js';
import { openApiDocument } from './openapi.js';
import { expressPathOf, jsonObject, type RouteSpec } from './route-spec.js';
import { bundleRoutes } from './routes-bundles.js';
import { chainRoutes } from './routes-chain.js';
import { recordRoutes } from './routes-records.js';
import { reportRoutes } from './routes-report.js';
import { submitRoutes } from './routes-submit.js';
import { trailRoutes } from './routes-trail.js';
import { verificationRoutes } from './routes-verifications.js';
import { tlogRoutes } from './routes-tlog.js';
import { Stream } from './stream.js';
import { Submitter } from './submit.js';
import { queryOf } from './validation.js';
import { authorize, authorizeStream, policyKey, ROUTE_POLICY, type RoutePolicy } from './access-policy.js';
import { checkBodyDigest, hasBody, RequestAuthenticator, type Caller, type RequestAuthOptions, type Role } from './request-auth.js';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits } from './rate-limit.js';
import { REQUIRED_COMPONENTS, SIGNATURE_ALG } from '../producers/http-signature.js';

/**
 * How the API admits callers (issue 22), always chosen explicitly:
 * - `signed` (production): every non-public route needs an RFC 9421 signature of a key the chain
 *   registers (api/request-auth.ts), roles and scopes per api/access-policy.ts, per-identity rate
 *   limits;
 * - `open-loopback` (local development and the test suite): no signatures, every caller holds
 *   every role, and only connections from the loopback interface are answered at all.
 * Both: CORS off unless `corsOrigins` lists the origins allowed.
 */
export type ApiAccess =
  | { mode: 'signed'; auditors?: readonly string[]; corsOrigins?: readonly string[]; rateLimits?: RateLimits; auth?: Omit<RequestAuthOptions, 'auditors'> }
  | { mode: 'open-loopback'; corsOrigins?: readonly string[] };

/** The caller of the open local mode: every role, no department scope. */
const LOCAL_CALLER: Caller = { keyid: 'open-loopback', roles: new Set<Role>(['department', 'auditor', 'operator']), unscoped: true };

/** Whether a socket's remote address is the loopback interface (IPv4, IPv6, or IPv4-mapped). */
export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address));
}

/** The policy of a route; a route without one is a bug caught at start. */
export function policyOf(r: Pick<RouteSpec, 'method' | 'path'>): RoutePolicy {
  const p = ROUTE_POLICY[policyKey(r.method, r.path)];
  if (p === undefined) throw new LedgerError('INTERNAL', `route ${r.method.toUpperCase()} ${r.path} has no entry in api/access-policy.ts ROUTE_POLICY`, {});
  return p;
}

export interface ApiOptions {
  /** Who may call (required: production and local modes are chosen explicitly). */
  access: ApiAccess;
  /** The reader page's folder (default dist/reader of the project, when it exists); null: none. */
  readerDir?: string | null;
  /** Extra routes (the proof bundles). */
  extraRoutes?: (ctx: ApiContext) => RouteSpec[];
  log?: (line: string) => void;
}

export interface Api {
  app: express.Express;
  ctx: ApiContext;
  routes: RouteSpec[];
  submitter: Submitter;
  stream: Stream;
  /** Takes the ws stream's upgrades on the server that serves `app`. */
  attach(server: Server): void;
  /** Call with every committed height, in order (runNode's onCommitted). */
  onCommitted(height: bigint): void;
  close(): void;
}

/** Maps anything thrown in a route to the API's error answer. */
export function errorAnswer(e: unknown): { status: number; body: { code: string; message: string; details?: unknown } } {
  if (isLedgerError(e)) return { status: httpStatusOf(e), body: { code: e.code, message: e.message, details: e.details } };
  const err = e as { type?: string; status?: number; message?: string } | undefined;
  // body-parser and express errors carry a 4xx status and a type
  if (err?.type === 'entity.too.large') return { status: 413, body: { code: 'PAYLOAD_TOO_LARGE', message: err.message ?? 'request body too large' } };
  if (err?.type === 'entity.parse.failed') return { status: 400, body: { code: 'MALFORMED', message: 'the body is not valid JSON' } };
  if (e instanceof URIError) return { status: 400, body: { code: 'BAD_ARGUMENT', message: 'the URL is not valid percent-encoding' } };
  if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
    return { status: 400, body: { code: 'BAD_ARGUMENT', message: (err.message ?? 'bad request').slice(0, 200) } };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'internal error (see the node log)' } };
}

export function createApi(node: ApiNode, options: ApiOptions): Api {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const ctx = contextOf(node);
  const access = options.access;
  const authenticator = access.mode === 'signed' ? new RequestAuthenticator(ctx, { ...access.auth, auditors: access.auditors ?? [] }) : undefined;
  const limiter = access.mode === 'signed' ? new RateLimiter(access.rateLimits ?? DEFAULT_RATE_LIMITS) : undefined;

  /** The caller of a request: LOCAL_CALLER in the open mode, else the signer (undefined: unsigned). */
  const callerOf = async (req: IncomingMessage): Promise<Caller | undefined> => {
    if (access.mode === 'open-loopback') {
      if (!isLoopbackAddress(req.socket.remoteAddress)) throw new LedgerError('FORBIDDEN', 'this node runs its API in the open local mode: it answers the loopback interface only', {});
      return LOCAL_CALLER;
    }
    if (req.headers['signature-input'] === undefined && req.headers.signature === undefined) return undefined;
    return authenticator!.authenticate(req); // a signature, once given, must verify, on public routes too
  };

  const submitter = new Submitter(ctx);
  const stream = new Stream(ctx, async (req, department) => authorizeStream(await callerOf(req), department));
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // CORS (issue 22): off unless configured; an allowed origin may send the signature fields.
  const corsOrigins = new Set(access.corsOrigins ?? []);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    res.vary('origin');
    if (origin === undefined || !corsOrigins.has(origin)) return next();
    res.set('access-control-allow-origin', origin);
    res.set('access-control-expose-headers', 'retry-after, accept-signature');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res.set('access-control-allow-methods', 'GET, POST');
      res.set('access-control-allow-headers', 'content-type, content-digest, signature, signature-input');
      res.set('access-control-max-age', '600');
      res.status(204).end();
      return;
    }
    next();
  });

  const routes: RouteSpec[] = [...chainRoutes(ctx), ...recordRoutes(ctx), ...reportRoutes(ctx), ...submitRoutes(ctx, submitter), ...verificationRoutes(ctx, submitter), ...trailRoutes(ctx), ...tlogRoutes(ctx), ...bundleRoutes(ctx), ...(options.extraRoutes?.(ctx) ?? [])];
  let document: Record<string, unknown> | undefined;
  routes.push({
    method: 'get',
    path: '/v1/openapi.json',
    tag: 'node',
    summary: 'this document',
    responses: { '200': jsonObject('the OpenAPI 3 document') },
    handler: (req, res) => {
      queryOf(req.query, []);
      document ??= openApiDocument(routes, { version: packageVersion(), channel: ctx.genesis.genesis.channel, policyOf, signed: access.mode === 'signed' });
      res.json(document);
    },
  });
  for (const r of routes) {
    const allowed = (r.params ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    const policy = policyOf(r); // throws at start for a route without a policy
    // who may call, before anything else is read (api/access-policy.ts)
    const guard = async (req: Request, res: Response, next: NextFunction) => {
      try {
        const caller = await callerOf(req);
        await authorize(policy, caller, req, ctx);
        if (limiter !== undefined && policy.limit !== undefined) limiter.take(caller?.keyid ?? `address ${req.socket.remoteAddress ?? '?'}`, policy.limit);
        res.locals.caller = caller;
        next();
      } catch (e) {
        next(e);
      }
    };
    const handler = async (req: Request, res: Response, next: NextFunction) => {
      try {
        if (access.mode === 'signed' && res.locals.caller !== undefined && hasBody(req)) {
          const raw = Buffer.isBuffer(req.body) ? req.body : (req as { rawBody?: Buffer }).rawBody;
          if (raw !== undefined) checkBodyDigest(req, raw); // a body no parser read is never used
        }
        queryOf(req.query, allowed); // an undocumented query parameter is refused, whatever the route
        await r.handler(req, res);
      } catch (e) {
        next(e);
      }
    };
    app[r.method](expressPathOf(r), guard, ...(r.middleware ?? []), handler);
  }
  // A known path asked with a method it does not serve: 405 with Allow (RFC 9110 section 15.5.6),
  // registered after every route so that only the other methods reach it.
  const methodsByPath = new Map<string, Set<string>>();
  for (const r of routes) {
    const methods = methodsByPath.get(expressPathOf(r)) ?? new Set<string>();
    methods.add(r.method.toUpperCase());
    if (r.method === 'get') methods.add('HEAD'); // express answers HEAD with the GET route
    methodsByPath.set(expressPathOf(r), methods);
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods].sort().join(', ');
    app.all(path, (req: Request, res: Response, next: NextFunction) => {
      res.set('allow', allow);
      next(new LedgerError('METHOD_NOT_ALLOWED', `${req.method} is not served on this path (allowed: ${allow})`, { allow }));
    });
  }

  const readerDir = options.readerDir === undefined ? join(PROJECT_ROOT, 'dist', 'reader') : options.readerDir;
  if (readerDir !== null && existsSync(readerDir)) app.use(express.static(readerDir, { index: 'index.html', fallthrough: true }));

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new LedgerError('NOT_FOUND', `no route ${req.method} ${req.path.slice(0, 200)}`, {}));
  });
  app.use((e: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, body } = errorAnswer(e);
    if (status >= 500) log(`api: ${req.method} ${req.path.slice(0, 200)}: ${(e as Error)?.stack ?? String(e)}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    if (status === 401) {
      // RFC 9110 section 11.6.1 and RFC 9421 section 5.1: say how to authenticate
      res.set('www-authenticate', 'Signature realm="ledger"');
      res.set('accept-signature', `ledger=(${REQUIRED_COMPONENTS.map((c) => `"${c}"`).join(' ')});alg="${SIGNATURE_ALG}"`);
    }
    const retry = isLedgerError(e) ? e.details.retryAfterSeconds : undefined;
    if (status === 429 && typeof retry === 'number') res.set('retry-after', String(retry));
    res.status(status).json(body);
  });

  let commits: Promise<void> = Promise.resolve();
  return {
    app,
    ctx,
    routes,
    submitter,
    stream,
    attach: (server) => stream.attach(server),
    onCommitted(height: bigint) {
      commits = commits
        .then(async () => {
          if (submitter.watchesCommits) {
            const block = await ctx.blocks.block(height);
            if (block !== undefined) submitter.onBlock(block);
          }
          stream.onCommitted(height);
        })
        .catch((e: Error) => log(`api: after commit ${height}: ${e.message}`));
    },
    close: () => stream.close(),
  };
}
