/**
 * @module api/route-spec
 * One table entry per API route: its method, path, handler and documentation. The express app
 * (api/app.ts) registers routes from these entries and the OpenAPI document (api/openapi.ts) is
 * written from the same entries, so that the two cannot drift; a test checks the express router
 * against the document.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { cursorText, intText } from './validation.js';
import { MAX_PAGE_SIZE } from '../ledger/queries.js';

export interface ParamDoc {
  name: string;
  in: 'path' | 'query';
  description: string;
  required?: boolean;
  /**
   * The validator the handler parses the parameter with; the OpenAPI document's schema is
   * generated from it (api/validation.ts jsonSchemaOf), so that the two say the same (issue 27).
   */
  validator: z.ZodType;
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
  { name: 'limit', in: 'query', description: `page size, 1..${MAX_PAGE_SIZE} (default 100)`, validator: intText(1, MAX_PAGE_SIZE) },
  { name: 'cursor', in: 'query', description: 'the `next` of the previous page (opaque: any value of this form positions the page; one outside the query\'s range starts at its beginning or gives an empty page)', validator: cursorText },
];

export const pageResponse = (what: string): ResponseDoc => ({
  description: `a page of ${what}; \`next\` is the cursor of the next page, or null`,
  content: { 'application/json': { type: 'object', properties: { items: { type: 'array', items: { type: 'object' } }, next: { type: 'string', nullable: true } } } },
});
