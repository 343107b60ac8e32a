/**
 * A grant's window of validity (DESIGN.md section 6): a grant is active at time t when
 * valid_from <= t < valid_until. The rules, the queries and the offline verifier all decide it
 * here, so a grant the chain accepted a use of is never shown as inactive, nor the reverse.
 */

/** Where t falls against the window [from, until). */
export type GrantWindowPosition = 'not_yet' | 'active' | 'ended';

export function grantWindowAt(from: bigint, until: bigint, t: bigint): GrantWindowPosition {
  if (t < from) return 'not_yet';
  if (until <= t) return 'ended';
  return 'active';
}

export function isActiveAt(from: bigint, until: bigint, t: bigint): boolean {
  return grantWindowAt(from, until, t) === 'active';
}
