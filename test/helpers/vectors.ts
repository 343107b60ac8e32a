/** Loads test vectors from test/vectors/ (copied from ../shared/vectors with SOURCE and LICENSE). */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors');

export function readVectorJson<T = unknown>(...path: string[]): T {
  return JSON.parse(readFileSync(join(VECTORS_DIR, ...path), 'utf8')) as T;
}

export function listVectorFiles(...path: string[]): string[] {
  return readdirSync(join(VECTORS_DIR, ...path)).sort();
}
