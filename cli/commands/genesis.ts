/** @module cli/commands/genesis  `ledger genesis`: block 0 and the readers' trust anchor. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { toHex } from '../../ledger/bytes.js';
import { LedgerError } from '../../errors/ledger-error.js';
import { createGenesis } from '../../ledger/genesis.js';
import { parsePublicKeyHex } from '../../ledger/key-file.js';
import { collect, durationArg, identifierArg, integerArg, toJsonText } from '../args.js';

/** `--authority [ID=]PUBKEY`: the department id defaults to authority.<n>. */
function authorityArg(value: string): { departmentId?: string; publicKey: Uint8Array } {
  const eq = value.indexOf('=');
  if (eq < 0) return { publicKey: parsePublicKeyHex(value, '--authority public key') };
  return { departmentId: identifierArg(value.slice(0, eq)), publicKey: parsePublicKeyHex(value.slice(eq + 1), '--authority public key') };
}

export function registerGenesis(program: Command): void {
  program
    .command('genesis')
    .description("create a channel's genesis (block 0) and print its hash: the readers' trust anchor")
    .requiredOption('--channel <name>', 'channel name (an identifier)', identifierArg)
    .requiredOption('--authority <[id=]pubkey>', 'a platform authority key (repeatable), hex', collect(authorityArg))
    .requiredOption('--node <pubkey>', 'a consensus node key (repeatable, in node order), hex', collect((v) => parsePublicKeyHex(v, '--node public key')))
    .requiredOption('--quorum <q>', 'signatures needed to commit a block (n/2 < q <= n)', integerArg(1, 1000))
    .option('--authority-name <name>', 'display name of the authorities (default: their ids)')
    .option('--max-events <n>', 'events per block', integerArg(1, 100_000))
    .option('--max-block-bytes <n>', 'included record bytes per block', integerArg(256, 64 << 20))
    .option('--max-record-bytes <n>', 'bytes per Kafka record', integerArg(256, 1 << 20))
    .option('--batch-timeout <duration>', 'cut a block this long after its first event (e.g. 200ms)', durationArg)
    .option('--heartbeat <duration>', 'cut an empty block after this long without events (e.g. 10s)', durationArg)
    .requiredOption('--out <file>', 'where to write the genesis (binary protobuf)')
    .option('--force', 'overwrite an existing file')
    .option('--json', 'print JSON')
    .action(
      (opts: {
        channel: string;
        authority: Array<{ departmentId?: string; publicKey: Uint8Array }>;
        node: Uint8Array[];
        quorum: number;
        authorityName?: string;
        maxEvents?: number;
        maxBlockBytes?: number;
        maxRecordBytes?: number;
        batchTimeout?: bigint;
        heartbeat?: bigint;
        out: string;
        force?: boolean;
        json?: boolean;
      }) => {
        const g = createGenesis({
          channel: opts.channel,
          authorities: opts.authority.map((a, i) => {
            const departmentId = a.departmentId ?? `authority.${i + 1}`;
            return { departmentId, name: opts.authorityName ?? departmentId, publicKey: a.publicKey };
          }),
          nodes: opts.node,
          quorum: opts.quorum,
          limits: {
            ...(opts.maxEvents !== undefined ? { maxBlockEvents: opts.maxEvents } : {}),
            ...(opts.maxBlockBytes !== undefined ? { maxBlockBytes: opts.maxBlockBytes } : {}),
            ...(opts.maxRecordBytes !== undefined ? { maxRecordBytes: opts.maxRecordBytes } : {}),
          },
          ...(opts.batchTimeout !== undefined ? { batchTimeoutMs: opts.batchTimeout } : {}),
          ...(opts.heartbeat !== undefined ? { heartbeatIntervalMs: opts.heartbeat } : {}),
        });
        try {
          writeFileSync(opts.out, g.bytes, { flag: opts.force ? 'w' : 'wx' });
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EEXIST') throw new LedgerError('FILE_EXISTS', `${opts.out} exists; use --force to overwrite`, { path: opts.out });
          throw new LedgerError('FILE_UNREADABLE', `cannot write ${opts.out}: ${code ?? (e as Error).message}`, { path: opts.out });
        }
        const summary = { file: opts.out, genesisHash: toHex(g.hash), channel: g.genesis.channel, nodes: g.genesis.nodes.length, quorum: g.genesis.quorum };
        process.stdout.write(opts.json ? `${toJsonText(summary)}\n` : `${summary.genesisHash}\n`);
      },
    );
}

