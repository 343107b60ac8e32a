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
import type { Server } from 'node:http';
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
import { tlogRoutes } from './routes-tlog.js';
import { Stream } from './stream.js';
import { Submitter } from './submit.js';
import { queryOf } from './validation.js';

export interface ApiOptions {
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

export function createApi(node: ApiNode, options: ApiOptions = {}): Api {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const ctx = contextOf(node);
  const submitter = new Submitter(ctx);
  const stream = new Stream(ctx);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Everything served is public (the chain, its proofs, the checkpoint): browser clients of other
  // origins (e.g. transparency-log monitors) may read it. Submitting needs no cookie either.
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.set('access-control-allow-origin', '*');
    next();
  });

  const routes: RouteSpec[] = [...chainRoutes(ctx), ...recordRoutes(ctx), ...reportRoutes(ctx), ...submitRoutes(ctx, submitter), ...tlogRoutes(ctx), ...bundleRoutes(ctx), ...(options.extraRoutes?.(ctx) ?? [])];
  let document: Record<string, unknown> | undefined;
  routes.push({
    method: 'get',
    path: '/v1/openapi.json',
    tag: 'node',
    summary: 'this document',
    responses: { '200': jsonObject('the OpenAPI 3 document') },
    handler: (req, res) => {
      queryOf(req.query, []);
      document ??= openApiDocument(routes, { version: packageVersion(), channel: ctx.genesis.genesis.channel });
      res.json(document);
    },
  });
  for (const r of routes) {
    const allowed = (r.params ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    const handler = async (req: Request, res: Response, next: NextFunction) => {
      try {
        queryOf(req.query, allowed); // an undocumented query parameter is refused, whatever the route
        await r.handler(req, res);
      } catch (e) {
        next(e);
      }
    };
    app[r.method](expressPathOf(r), ...(r.middleware ?? []), handler);
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
          const block = await ctx.blocks.block(height);
          if (block !== undefined) submitter.onBlock(block);
          stream.onCommitted(height);
        })
        .catch((e: Error) => log(`api: after commit ${height}: ${e.message}`));
    },
    close: () => stream.close(),
  };
}
