/**
 * @module exchange/data-source
 * The one narrow adapter between an exchange point and a department's own database: given a
 * resource, a data subject's id and the fields granted, the rows about that subject with only those
 * fields. A real department implements `DataSource` over its database; for the demo and the tests,
 * `JsonTableSource` reads one small JSON table per resource:
 *   { "rows": { "<subject id>": [ { "<field>": "<value>", ... }, ... ] } }
 * Subject ids are compared in the normal form of commitments (ledger/commitment.ts: NFC, trimmed,
 * upper-case), so an id typed with a lower-case x finds its row.
 */
import { readFileSync } from 'node:fs';
import { normalizeCommittedValue } from '../ledger/commitment.js';
import { LedgerError } from '../errors/ledger-error.js';

/** One row about the subject, only the requested fields, in the requested order. */
export type DataRow = Record<string, string>;

export interface DataSource {
  /** The subject's rows with `fields` only; undefined when the source holds nothing about the subject. */
  read(resourceId: string, subjectId: string, fields: readonly string[]): Promise<DataRow[] | undefined>;
}

/** A DataSource over JSON tables in memory (one per resource id). */
export class JsonTableSource implements DataSource {
  private constructor(private readonly tables: ReadonlyMap<string, ReadonlyMap<string, DataRow[]>>) {}

  /** @throws LedgerError FILE_UNREADABLE or BAD_ARGUMENT naming the file and what is wrong */
  static load(files: Readonly<Record<string, string>>): JsonTableSource {
    const tables = new Map<string, Map<string, DataRow[]>>();
    for (const [resourceId, path] of Object.entries(files)) {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        throw new LedgerError('FILE_UNREADABLE', `the table of ${resourceId} (${path}) cannot be read: ${(e as Error).message}`, { path });
      }
      tables.set(resourceId, JsonTableSource.parse(text, `${path} (${resourceId})`));
    }
    return new JsonTableSource(tables);
  }

  static fromRows(rows: Readonly<Record<string, Readonly<Record<string, DataRow[]>>>>): JsonTableSource {
    const tables = new Map<string, Map<string, DataRow[]>>();
    for (const [resourceId, bySubject] of Object.entries(rows)) tables.set(resourceId, JsonTableSource.parse(JSON.stringify({ rows: bySubject }), resourceId));
    return new JsonTableSource(tables);
  }

  private static parse(text: string, what: string): Map<string, DataRow[]> {
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch {
      throw new LedgerError('BAD_ARGUMENT', `${what} is not JSON`, {});
    }
    const rows = (j as { rows?: unknown })?.rows;
    if (typeof rows !== 'object' || rows === null || Array.isArray(rows)) throw new LedgerError('BAD_ARGUMENT', `${what}: "rows" must be an object of subject id -> rows`, {});
    const out = new Map<string, DataRow[]>();
    for (const [subject, list] of Object.entries(rows as Record<string, unknown>)) {
      if (!Array.isArray(list) || !list.every((r) => typeof r === 'object' && r !== null && Object.values(r as object).every((v) => typeof v === 'string'))) {
        throw new LedgerError('BAD_ARGUMENT', `${what}: the rows of a subject must be a list of objects of strings`, {});
      }
      out.set(normalizeCommittedValue(subject), list as DataRow[]);
    }
    return out;
  }

  async read(resourceId: string, subjectId: string, fields: readonly string[]): Promise<DataRow[] | undefined> {
    const rows = this.tables.get(resourceId)?.get(normalizeCommittedValue(subjectId));
    if (rows === undefined) return undefined;
    return rows.map((r) => Object.fromEntries(fields.map((f) => [f, r[f] ?? ''])));
  }
}
