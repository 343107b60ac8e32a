/**
 * @module cli/event-result
 * The committed result of published events, read from a node's API (`GET /v1/events/{id}`,
 * DESIGN.md section 9's result codes): `ledger event` waits for it so that its exit code says what
 * the chain decided, not only that Kafka took the record (issue 17).
 */
import { ApiClient } from '../api/client.js';
import type { RequestSigner } from '../producers/signed-fetch.js';
import { toHex } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { resultName } from '../ledger/result-codes.js';

/** What the chain decided for one event. */
export interface CommittedResult {
  height: bigint;
  resultCode: number;
  /** The result's name (`OK`, `UNAUTHORIZED`, ...), or `code N` for a number this build does not know. */
  resultName: string;
}

const POLL_MS = 200;

/**
 * Polls the node until every event is committed, or fails with TIMEOUT after `timeoutMs` naming
 * the events still missing (a record the nodes drop never enters a block: DESIGN.md section 9).
 */
export async function waitForResults(apiUrl: string, eventIds: Uint8Array[], timeoutMs: number, signer?: RequestSigner): Promise<CommittedResult[]> {
  // signed by the publishing department (issue 22): a node in the signed API mode shows a
  // department its own events only
  const api = new ApiClient(apiUrl, undefined, signer);
  const out = new Array<CommittedResult | undefined>(eventIds.length);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (let i = 0; i < eventIds.length; i++) {
      if (out[i] !== undefined) continue;
      const body = await api.bytes(`/v1/events/${toHex(eventIds[i]!)}`, 1 << 20, true);
      if (body !== undefined) out[i] = parseResult(body, `${api.base}/v1/events/${toHex(eventIds[i]!)}`);
    }
    const missing = eventIds.filter((_, i) => out[i] === undefined);
    if (missing.length === 0) return out as CommittedResult[];
    if (Date.now() >= deadline) {
      throw new LedgerError(
        'TIMEOUT',
        `Kafka took the event(s) but ${api.base} shows no committed result within ${timeoutMs} ms for ${missing.map(toHex).join(', ')}: ` +
          'the nodes may be behind or stopped, or dropped the record (GET /v1/status, /v1/rejected)',
        { missing: missing.map(toHex) },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function parseResult(body: Uint8Array, url: string): CommittedResult {
  let j: { height?: unknown; resultCode?: unknown };
  try {
    j = JSON.parse(new TextDecoder().decode(body)) as typeof j;
  } catch {
    throw new LedgerError('MALFORMED', `${url} did not answer JSON`, {});
  }
  if (typeof j.height !== 'string' || !/^\d+$/.test(j.height) || typeof j.resultCode !== 'number' || !Number.isInteger(j.resultCode) || j.resultCode < 0) {
    throw new LedgerError('MALFORMED', `${url} did not answer an event with a height and a result code`, {});
  }
  return { height: BigInt(j.height), resultCode: j.resultCode, resultName: resultName(j.resultCode) ?? `code ${j.resultCode}` };
}
