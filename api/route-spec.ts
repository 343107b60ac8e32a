/**
 * @module api/route-spec
 * One table entry per API route: its method, path, handler and documentation. The express app
 * (api/app.ts) registers routes from these entries and the OpenAPI document (api/openapi.ts) is
 * written from the same entries, so that the two cannot drift; a test checks the express router
 * against the document.
 */
import type { Request, RequestHandler, Response } from 'express';

export interface ParamDoc {
  name: string;
  in: 'path' | 'query';
  description: string;
  required?: boolean;
  /** A JSON schema (OpenAPI 3.0 subset). */
  schema?: Record<string, unknown>;
}

export interface ResponseDoc {
  description: string;
  /** Media type -> JSON schema. */
  content?: Record<string, Record<string, unknown>>;
}

export interface RouteSpec {
  method: 'get' | 'post';
  /** The OpenAPI path (`/v1/blocks/{height}`). */
  path: string;
  /** The express path when it cannot be derived from `path` (the tile routes' multi-segment index). */
  expressPath?: string;
  tag: string;
  summary: string;
  description?: string;
  params?: ParamDoc[];
  requestBody?: { description: string; content: Record<string, Record<string, unknown>> };
  /** Success responses (error responses are added for every route). */
  responses: Record<string, ResponseDoc>;
  /** Middleware run before the handler (body parsers). */
  middleware?: RequestHandler[];
  handler(req: Request, res: Response): Promise<void> | void;
}

/** The express form of an OpenAPI path: `{x}` becomes `:x`. */
export function expressPathOf(spec: RouteSpec): string {
  return spec.expressPath ?? spec.path.replace(/\{([A-Za-z]+)\}/g, ':$1');
}

export const jsonObject = (description: string, properties?: Record<string, unknown>): ResponseDoc => ({
  description,
  content: { 'application/json': { type: 'object', ...(properties ? { properties } : {}) } },
});

export const pageParams: ParamDoc[] = [
  { name: 'limit', in: 'query', description: 'page size, 1..1000 (default 100)', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
  { name: 'cursor', in: 'query', description: 'the `next` of the previous page', schema: { type: 'string', pattern: '^[0-9a-f]+$' } },
];

export const pageResponse = (what: string): ResponseDoc => ({
  description: `a page of ${what}; \`next\` is the cursor of the next page, or null`,
  content: { 'application/json': { type: 'object', properties: { items: { type: 'array', items: { type: 'object' } }, next: { type: 'string', nullable: true } } } },
});
