/**
 * @module bench/process-cpu
 * CPU time of another process on this machine, read from Linux's `/proc/<pid>/stat` (user + system
 * time of all its threads, in clock ticks): how the exchange bench (issue 21) charges each process
 * of a read's path (the nodes, the Kafka broker, the exchange point, the load generator) its CPU
 * time per read, a figure that, unlike a rate, does not depend on what else the machine runs.
 */
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: the unit of utime and stime in /proc/<pid>/stat (100 on every Linux ABI in use). */
const TICKS_PER_SECOND = 100;

/**
 * The process's user + system CPU time so far, in µs (10 ms resolution), or undefined when it is
 * gone or /proc is not there (not Linux).
 */
export function processCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the command name (field 2) is in parentheses and may hold blanks: fields are counted after it
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields 14 (utime) and 15 (stime) of proc(5); fields[0] is field 3
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1_000_000) / TICKS_PER_SECOND;
}
