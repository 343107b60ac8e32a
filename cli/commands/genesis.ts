/** @module cli/commands/genesis  `ledger genesis`: block 0 and the readers' trust anchor. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { toHex } from '../../ledger/bytes.js';
import { LedgerError } from '../../errors/ledger-error.js';
import { createGenesis } from '../../ledger/genesis.js';
import { parsePublicKeyHex } from '../../ledger/key-file.js';
import { collect, durationArg, identifierArg, integerArg, toJsonText } from '../args.js';
import { COSIGNER_KEY_TYPE, parseVerifierKey } from '../../ledger/witness-cosignature.js';

/** `--witness VKEY@URL`: a witness's cosigner verifier key and its tlog-witness submission prefix ('@' is not in base64). */
function witnessArg(value: string): { name: string; publicKey: Uint8Array; url: string } {
  const at = value.lastIndexOf('@');
  if (at <= 0) throw new LedgerError('BAD_ARGUMENT', `--witness is VKEY@URL: ${value.slice(0, 120)}`, { parameter: 'witness' });
  const key = parseVerifierKey(value.slice(0, at), '--witness verifier key');
  if (key.keyType !== COSIGNER_KEY_TYPE) throw new LedgerError('BAD_ARGUMENT', `--witness ${key.name}: a witness key has signature type 0x04 (cosignature/v1)`, { parameter: 'witness' });
  return { name: key.name, publicKey: key.publicKey, url: value.slice(at + 1) };
}

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
    .option('--witness <vkey@url>', 'an outside witness (repeatable): its cosigner verifier key (ledger witness prints it) @ its submission URL', collect(witnessArg))
    .option('--witness-quorum <k>', 'how many witnesses a reader requires by default (default 1 with witnesses)', integerArg(1, 64))
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
        witness?: Array<{ name: string; publicKey: Uint8Array; url: string }>;
        witnessQuorum?: number;
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
          ...(opts.witness !== undefined ? { witnesses: opts.witness } : {}),
          ...(opts.witnessQuorum !== undefined ? { witnessQuorum: opts.witnessQuorum } : {}),
        });
        try {
          writeFileSync(opts.out, g.bytes, { flag: opts.force ? 'w' : 'wx' });
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EEXIST') throw new LedgerError('FILE_EXISTS', `${opts.out} exists; use --force to overwrite`, { path: opts.out });
          throw new LedgerError('FILE_UNREADABLE', `cannot write ${opts.out}: ${code ?? (e as Error).message}`, { path: opts.out });
        }
        const summary = { file: opts.out, genesisHash: toHex(g.hash), channel: g.genesis.channel, nodes: g.genesis.nodes.length, quorum: g.genesis.quorum, witnesses: g.genesis.witnesses.length, witnessQuorum: g.genesis.witnessQuorum };
        process.stdout.write(opts.json ? `${toJsonText(summary)}\n` : `${summary.genesisHash}\n`);
      },
    );
}

