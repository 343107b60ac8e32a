/**
 * @module cli/replay-heap
 * The replay commands (`ledger rebuild`, `ledger audit`, `ledger bench`) run with a larger young
 * generation (issue 20). A replay makes short-lived objects for every event (decoded messages,
 * keys, writes): with V8's default semi-space (16 MB) the scavenger ran every few blocks and
 * promoted what a block still held into the old generation, where the GC helper threads marked it
 * again. `--max-semi-space-size=64` cut the rebuild's main-thread GC pauses from about 1.2 s to
 * 0.5 s per 10^5 events and its CPU seconds by 10-14 % (2026-12-05, bench chain), for about 150 MB
 * more memory at the peak.
 *
 * V8 reads the flag only when it sets the heap up (v8.setFlagsFromString afterwards changed
 * nothing, measured), so the CLI runs itself again with it: one more process start (about 50 ms),
 * the same arguments, stdio and exit code. Not when the flag is already given (node options or
 * NODE_OPTIONS) or LEDGER_REPLAY_HEAP=0.
 */
import { spawn } from 'node:child_process';

/** The Node option the replay commands run with. */
export const REPLAY_HEAP_FLAG = '--max-semi-space-size=64';
/** The commands that replay a chain (the bench replays in its rebuild and audit groups). */
export const REPLAY_COMMANDS: ReadonlySet<string> = new Set(['rebuild', 'audit', 'bench']);
/** Root options that take a value (cli/program.ts): their value is not the command. */
const ROOT_OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set(['--cacert']);
/** Set in the child: it never runs itself again. */
const CHILD_ENV = 'LEDGER_REPLAY_HEAP_CHILD';

/** The subcommand of a `ledger` command line (the arguments after the script), or undefined. */
export function commandOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (ROOT_OPTIONS_WITH_VALUE.has(a)) {
      i++;
      continue;
    }
    if (a === '--') return args[i + 1];
    if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** Whether this process should run itself again with REPLAY_HEAP_FLAG (see the module comment). */
export function needsReplayHeap(args: readonly string[], execArgv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (env[CHILD_ENV] === '1' || env.LEDGER_REPLAY_HEAP === '0') return false;
  if (execArgv.some((a) => a.startsWith('--max-semi-space-size')) || (env.NODE_OPTIONS ?? '').includes('--max-semi-space-size')) return false;
  const command = commandOf(args);
  return command !== undefined && REPLAY_COMMANDS.has(command);
}

/**
 * Runs this script again with REPLAY_HEAP_FLAG, stdio shared, and resolves with its exit code;
 * SIGINT, SIGTERM and SIGHUP sent to this process are passed on, and a child killed by a signal
 * ends this process by the same signal.
 */
export function runWithReplayHeap(): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, REPLAY_HEAP_FLAG, process.argv[1]!, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [CHILD_ENV]: '1' },
  });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const forward = (s: NodeJS.Signals) => child.kill(s);
  for (const s of signals) process.on(s, forward);
  return new Promise((resolve, reject) => {
    child.once('error', (e) => {
      for (const s of signals) process.off(s, forward);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      if (signal !== null) {
        process.kill(process.pid, signal);
        return;
      }
      resolve(code ?? 1);
    });
  });
}
