/**
 * @module cli/args
 * Argument parsers for commander options: each rejects bad input with a message that names the
 * option (commander turns InvalidArgumentError into a usage error, exit 2).
 */
import { InvalidArgumentError, Option } from 'commander';
import { isIdentifier } from '../proto/limits.js';

export function integerArg(min: number, max: number): (value: string) => number {
  return (value: string) => {
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer within ${min}..${max}, got ${value}`);
    return n;
  };
}

export function bigintArg(min = 0n): (value: string) => bigint {
  return (value: string) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
    const n = BigInt(value);
    if (n < min || n >= 1n << 64n) throw new InvalidArgumentError(`expected an integer within ${min}..2^64-1, got ${value}`);
    return n;
  };
}

/** A duration such as 500ms, 30s, 15m, 12h, 1d (or plain milliseconds), in milliseconds. */
export function durationArg(value: string): bigint {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`expected a duration such as 500ms, 30s, 15m, 12h or 1d, got "${value}"`);
  const unit = { ms: 1n, s: 1000n, m: 60_000n, h: 3_600_000n, d: 86_400_000n }[(m[2] ?? 'ms') as 'ms'];
  return BigInt(m[1]!) * unit;
}

export function identifierArg(value: string): string {
  if (!isIdentifier(value)) throw new InvalidArgumentError(`"${value}" is not an identifier: 1 to 64 characters of A-Z a-z 0-9 . _ : -`);
  return value;
}

/** Collects a repeatable option into a list. */
export function collect<T>(parse: (v: string) => T): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => [...(previous ?? []), parse(value)];
}

/** Prints a value as JSON with bigints as decimal strings and bytes as hex. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
      return v;
    },
    2,
  );
}

/** `--kafka <mode>` of the local stack commands (`ledger up`, `ledger demo`): the stack's own broker (issue 22). */
export function kafkaSecurityOption(): Option {
  // issue 22: SASL by default, so that only the stack's departments and nodes reach the channel
  return new Option('--kafka <mode>', 'a new stack\'s broker: sasl (the default: SCRAM users and ACLs the stack provisions, credentials 0600 in DATA/kafka/credentials/) or plain (no authentication: local development); an existing broker folder keeps its mode')
    .choices(['sasl', 'plain'])
    .default('sasl');
}

/** `--api <mode>` of the local stack commands (`ledger up`, `ledger demo`): how the nodes admit API callers (issue 22). */
export function apiAccessOption(): Option {
  // issue 22: signed by default, as production runs; the open mode only when asked for
  return new Option('--api <mode>', 'the nodes\' API: signed (the default: RFC 9421 signatures and roles, as in production) or open-loopback (no authentication, answers 127.0.0.1 only: local development)')
    .choices(['signed', 'open-loopback'])
    .default('signed');
}
