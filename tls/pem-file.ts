/**
 * @module tls/pem-file
 * Reading a PEM file given by a configuration or an option (issue 22): its size capped, a missing
 * file FILE_UNREADABLE and anything not PEM BAD_ARGUMENT, each naming what named the file.
 */
import { readFileSync } from 'node:fs';
import { LedgerError } from '../errors/ledger-error.js';

/**
 * The text of a PEM file of at most `maxBytes`.
 * @throws LedgerError FILE_UNREADABLE, BAD_ARGUMENT (too large, no PEM block)
 */
export function readPemFile(path: string, what: string, maxBytes: number): string {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new LedgerError('FILE_UNREADABLE', `${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: path });
  }
  if (buf.length > maxBytes) throw new LedgerError('BAD_ARGUMENT', `${what} ${path}: larger than ${maxBytes} bytes`, { file: path });
  const text = buf.toString('utf8');
  if (!text.includes('-----BEGIN ')) throw new LedgerError('BAD_ARGUMENT', `${what} ${path}: not a PEM file`, { file: path });
  return text;
}
