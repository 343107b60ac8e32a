/** @module cli/commands/keys  `ledger keygen`: a new Ed25519 key file (0600, never overwritten). */
import type { Command } from 'commander';
import { KEY_FILE_EXTENSION, writeNewKeyFile } from '../../ledger/key-file.js';
import { toJsonText } from '../args.js';

export function registerKeys(program: Command): void {
  program
    .command('keygen')
    .description(`write a new Ed25519 key file (mode 0600, name ending in ${KEY_FILE_EXTENSION}) and print its public key`)
    .requiredOption('--out <file>', `the key file to create (refuses to overwrite; must end in ${KEY_FILE_EXTENSION})`)
    .option('--json', 'print JSON')
    .action((opts: { out: string; json?: boolean }) => {
      const key = writeNewKeyFile(opts.out);
      // Only the public key is ever printed.
      process.stdout.write(opts.json ? `${toJsonText({ file: opts.out, publicKey: key.publicKeyHex })}\n` : `${key.publicKeyHex}\n`);
    });
}
