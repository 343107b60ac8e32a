/**
 * @module stack/chain-sequence
 * A department's next sequence number on chain, read through a node's API
 * (`GET /v1/departments/{id}`): where a new outbox starts, so that its numbers continue the
 * chain's (the demo's outboxes and `ledger event --data`).
 */

/** The next sequence, or undefined when the API is unreachable or does not know the department. */
export async function chainNextSequence(apiUrl: string | undefined, departmentId: string): Promise<bigint | undefined> {
  if (apiUrl === undefined) return undefined;
  try {
    const r = await fetch(`${apiUrl}/v1/departments/${encodeURIComponent(departmentId)}`, { signal: AbortSignal.timeout(3000) });
    if (!r.ok) return undefined;
    const body = (await r.json()) as Record<string, unknown>;
    // `{ record: DepartmentRecord, keys }` (api/routes-records.ts), 64-bit integers as strings
    const next = (body.record as Record<string, unknown> | undefined)?.nextSequence;
    return typeof next === 'string' || typeof next === 'number' ? BigInt(next) : undefined;
  } catch {
    return undefined;
  }
}
