/**
 * @module replay/scratch-area
 * Where `ledger rebuild` and the auditor's full level put the state and projections they rebuild
 * (issue 20): a LevelDB of its own in a new folder beside the node's database (the same disk: a
 * long chain's rebuild needs disk, not memory), deleted afterwards. Emptying a folder costs
 * LevelDB nothing, where clearing the node database's `rebuild` sublevel wrote a delete per key
 * and compacted the node's own data with them. Only the rebuild writes it: no compression (the
 * data lives minutes) and a large write buffer (fewer, larger files); opened with classic-level's
 * `multithreading`, so that the comparison's reader threads can share it (replay/compare-tables.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Level } from 'level';
import type { AnyDb } from '../ledger/state-store.js';

export interface ScratchArea {
  db: AnyDb;
  path: string;
  /** Closes the database and deletes its folder. */
  remove(): Promise<void>;
}

/** Opens an empty scratch LevelDB in a new folder `<nodeDir>-rebuild-XXXXXX`. */
export async function openScratchArea(nodeDir: string): Promise<ScratchArea> {
  const path = mkdtempSync(`${nodeDir.replace(/[/\\]+$/, '')}-rebuild-`);
  const db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view', compression: false, writeBufferSize: 64 << 20, multithreading: true } as never) as unknown as AnyDb;
  try {
    await db.open();
  } catch (e) {
    rmSync(path, { recursive: true, force: true });
    throw e;
  }
  return {
    db,
    path,
    remove: async () => {
      try {
        await db.close();
      } finally {
        rmSync(path, { recursive: true, force: true });
      }
    },
  };
}
