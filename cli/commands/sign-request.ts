/**
 * @module cli/commands/sign-request
 * `ledger sign-request --key FILE --keyid ID [--method M] [--body FILE] URL`: prints the RFC 9421
 * header fields (api/http-signature.ts) that sign one request to a node's API with a key the chain
 * registers, one per line, as curl reads them: `curl -H @<(ledger sign-request ... "$U") "$U"`.
 * Each output is good for one request within the node's replay window (a fresh nonce each time).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { LedgerError } from '../../errors/ledger-error.js';
import { loadKeyFile } from '../../ledger/key-file.js';
import { signedHeaders } from '../../producers/signed-fetch.js';

export function registerSignRequest(program: Command): void {
  program
    .command('sign-request')
    .description('print the RFC 9421 Signature-Input, Signature (and Content-Digest) fields that sign one API request with a department\'s or node\'s key')
    .argument('<url>', 'the full request URL (http://host:port/v1/...)')
    .requiredOption('--key <file>', 'the signing key file (.ed25519key)')
    .requiredOption('--keyid <id>', 'department/<department id>/<key version> or node/<index>')
    .option('--method <method>', 'the HTTP method', 'GET')
    .option('--body <file>', 'the request body (its Content-Digest is signed)')
    .action((url: string, opts: { key: string; keyid: string; method: string; body?: string }) => {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new LedgerError('BAD_ARGUMENT', `<url>: ${JSON.stringify(url.slice(0, 200))} is not an absolute URL`, { parameter: 'url' });
      }
      if (!/^(department\/[A-Za-z0-9._:-]{1,64}\/[1-9]\d{0,8}|node\/[1-9]\d{0,3})$/.test(opts.keyid)) {
        throw new LedgerError('BAD_ARGUMENT', '--keyid: department/<department id>/<key version> or node/<index>', { parameter: 'keyid' });
      }
      if (!/^[A-Za-z]{1,16}$/.test(opts.method)) throw new LedgerError('BAD_ARGUMENT', '--method: an HTTP method name', { parameter: 'method' });
      let body: Uint8Array | undefined;
      if (opts.body !== undefined) {
        try {
          body = new Uint8Array(readFileSync(opts.body));
        } catch (e) {
          throw new LedgerError('FILE_UNREADABLE', `--body ${opts.body}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { path: opts.body });
        }
      }
      const key = loadKeyFile(opts.key);
      const fields = signedHeaders({ keyid: opts.keyid, sign: (m) => key.sign(m) }, opts.method.toUpperCase(), parsed.href, body);
      for (const [name, value] of Object.entries(fields)) process.stdout.write(`${name}: ${value}\n`);
    });
}
