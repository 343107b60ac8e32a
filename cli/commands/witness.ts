/**
 * @module cli/commands/witness
 * `ledger witness`: run a C2SP tlog-witness (witness/witness.ts) for an audit office, a court or
 * a bank association: cosigns checkpoints of the logs given by `--log ORIGIN=VKEY` (any C2SP log,
 * ours included; repeat for more keys or logs), keeps the latest size and root per log in `--data`.
 */
import type { Command } from 'commander';
import { LedgerError } from '../../errors/ledger-error.js';
import { loadKeyFile } from '../../ledger/key-file.js';
import { COSIGNER_KEY_TYPE, formatVerifierKey, parseVerifierKey, type VerifierKey } from '../../ledger/witness-cosignature.js';
import { Witness } from '../../witness/witness.js';
import { listenWitness } from '../../witness/witness-server.js';
import type { ServiceTls } from '../../tls/listen.js';
import { collect } from '../args.js';

function logArg(value: string): { origin: string; key: VerifierKey } {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new LedgerError('BAD_ARGUMENT', `--log is ORIGIN=VKEY: ${value.slice(0, 120)}`, { parameter: 'log' });
  const key = parseVerifierKey(value.slice(eq + 1), `--log ${value.slice(0, eq)} verifier key`);
  if (key.keyType !== 0x01) throw new LedgerError('BAD_ARGUMENT', `--log ${value.slice(0, eq)}: a log key has signature type 0x01 (Ed25519 note)`, { parameter: 'log' });
  return { origin: value.slice(0, eq), key };
}

function listenArg(value: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new LedgerError('BAD_ARGUMENT', `--listen is HOST:PORT: ${value}`, { parameter: 'listen' });
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** HTTPS with a certificate, or plain HTTP on loopback, said either way (issue 22). */
function witnessTls(opts: { tlsCert?: string; tlsKey?: string; plainLoopback?: boolean }): ServiceTls {
  const withCert = opts.tlsCert !== undefined || opts.tlsKey !== undefined;
  if (withCert === (opts.plainLoopback === true)) throw new LedgerError('USAGE', 'say how the witness serves: --tls-cert FILE --tls-key FILE (HTTPS), or --plain-loopback (plain HTTP on 127.0.0.1 only)', { parameter: 'tls-cert' });
  if (!withCert) return 'plain-loopback';
  if (opts.tlsCert === undefined || opts.tlsKey === undefined) throw new LedgerError('USAGE', '--tls-cert and --tls-key go together', { parameter: opts.tlsCert === undefined ? 'tls-cert' : 'tls-key' });
  return { cert: opts.tlsCert, key: opts.tlsKey };
}

export function registerWitness(program: Command): void {
  program
    .command('witness')
    .description('run a C2SP tlog-witness: POST /add-checkpoint cosigns (cosignature/v1) checkpoints consistent with what it saw, refuses rollbacks and forks (409)')
    .requiredOption('--key <file>', 'the witness Ed25519 key file (ledger keygen; mode 0600)')
    .requiredOption('--name <name>', 'the witness name, URL-like (e.g. audit.example.gov.cn/witness-1); part of its verifier key')
    .requiredOption('--data <dir>', 'folder of the witness state (latest size and root per log, LevelDB)')
    .option('--listen <host:port>', 'address to serve on', '127.0.0.1:7380')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM; with --tls-key)')
    .option('--tls-key <file>', "the certificate's private key (PEM)")
    .option('--plain-loopback', 'serve plain HTTP (only on a loopback --listen)')
    .requiredOption('--log <origin=vkey>', 'a log to witness: its origin line and a note verifier key (repeatable)', collect(logArg))
    .action(async (opts: { key: string; name: string; data: string; listen: string; log: { origin: string; key: VerifierKey }[]; tlsCert?: string; tlsKey?: string; plainLoopback?: boolean }) => {
      if (/[\s+]/.test(opts.name) || opts.name === '') throw new LedgerError('BAD_ARGUMENT', '--name must not be empty or hold spaces or +', { parameter: 'name' });
      const tls = witnessTls(opts);
      const key = loadKeyFile(opts.key);
      const { host, port } = listenArg(opts.listen);
      const logs = new Map<string, VerifierKey[]>();
      for (const l of opts.log) logs.set(l.origin, [...(logs.get(l.origin) ?? []), l.key]);
      const witness = await Witness.open(opts.data, { name: opts.name, publicKey: key.publicKey, sign: (m) => key.sign(m) }, logs);
      let server;
      try {
        server = await listenWitness(witness, host, port, tls);
      } catch (e) {
        await witness.close();
        throw e;
      }
      const addr = server.address();
      const bound = typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : opts.listen;
      // The verifier key readers put in their witness policy; never the private key.
      process.stdout.write(`witness ${formatVerifierKey(opts.name, COSIGNER_KEY_TYPE, key.publicKey)} listening on ${tls === 'plain-loopback' ? 'http' : 'https'}://${bound} for ${logs.size} log(s)\n`);
      const stop = () => server.close(() => void witness.close());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
