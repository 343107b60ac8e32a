/** The tails of a local cluster's node logs, printed when a cluster test fails (what the nodes saw). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalCluster } from '../../stack/local-cluster.js';

/** Runs `scenario`; on a failure prints the last `lines` of each node's log, then rethrows. */
export async function withNodeLogs(cluster: () => LocalCluster | undefined, scenario: () => Promise<void>, lines = 25): Promise<void> {
  try {
    await scenario();
  } catch (e) {
    const c = cluster();
    for (const n of c?.nodes ?? []) {
      try {
        console.error(`--- node ${n.index} ---\n${readFileSync(join(c!.layout.nodeDir(n.index), 'node.log'), 'utf8').split('\n').slice(-lines).join('\n')}`);
      } catch {
        /* no log yet */
      }
    }
    throw e;
  }
}
