/**
 * @module cli/api-signer
 * `--key FILE --keyid ID` of the commands that read a node's API as an auditor (`ledger audit
 * --api`, `ledger report --api`): the signer of their RFC 9421 requests, which a node in the signed
 * API mode requires for whole blocks (README "Who may read what").
 */
import { LedgerError } from '../errors/ledger-error.js';
import { loadKeyFile } from '../ledger/key-file.js';
import type { RequestSigner } from '../producers/signed-fetch.js';

/** The signer the options name, or undefined (unsigned requests) when they name none. */
export function apiSignerOf(opts: { key?: string; keyid?: string }): RequestSigner | undefined {
  if (opts.key === undefined && opts.keyid === undefined) return undefined;
  if (opts.key === undefined || opts.keyid === undefined) throw new LedgerError('USAGE', "--key and --keyid go together (a node in the signed API mode: the auditor's key)", {});
  const key = loadKeyFile(opts.key);
  return { keyid: opts.keyid, sign: (m) => key.sign(m) };
}
