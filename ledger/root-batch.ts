/**
 * @module ledger/root-batch
 * One atomic LevelDB batch of sublevel writes, written through the root database with each key
 * already prefixed (issue 19, "spend the CPU once"). A node commits every block as one batch of
 * thousands of operations (state records and tree nodes, event ids, projections, the Merkle log,
 * the block and its commit; DESIGN.md section 8); abstract-level's array batch copies each
 * operation, resolves its encodings, walks its sublevel's parents and allocates its prefixed key
 * one by one, which the profile showed as the node main thread's largest single item (~10 %).
 *
 *  - Same bytes on disk: a sublevel stores key k under its global prefix (`!name!`, abstract-level's
 *    layout, `sublevel.prefix`) then k, in the root database; this writes exactly that key with the
 *    same value, in the same order, so a later operation on a key wins as in the array batch.
 *  - Still one batch, written (and fsynced when asked) atomically by LevelDB.
 *  - A chained batch: one native call per operation (classic-level copies the key and value into
 *    its native batch as they are added), every key a view of one buffer per batch.
 */
import type { AbstractLevel, AbstractSublevel } from 'abstract-level';

type AnyDb = AbstractLevel<any, any, any>;
type AnySublevel = AbstractSublevel<any, any, Uint8Array, Uint8Array>;

/** An operation in abstract-level's batch form, aimed at a sublevel (what the stores produce). */
export interface RootBatchWrite {
  type: 'put' | 'del';
  sublevel: AnySublevel;
  key: Uint8Array;
  value?: Uint8Array;
}

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;

/** Each sublevel's global prefix as bytes (ASCII: abstract-level refuses other sublevel names). */
const prefixBytes = new WeakMap<AnySublevel, Uint8Array>();

function prefixOf(sublevel: AnySublevel): Uint8Array {
  let p = prefixBytes.get(sublevel);
  if (p === undefined) {
    const text = sublevel.prefix;
    p = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) p[i] = text.charCodeAt(i);
    prefixBytes.set(sublevel, p);
  }
  return p;
}

/** The root database of `db` (itself when it is one). */
export function rootOf(db: AnyDb): AnyDb {
  return (db as { db?: AnyDb }).db ?? db;
}

/**
 * Writes `ops` as one atomic batch of the root database of `db`, every key under its sublevel's
 * prefix: the database ends up byte for byte as after `db.batch(ops)`.
 */
export async function writeRootBatch(db: AnyDb, ops: readonly RootBatchWrite[], options: { sync?: boolean } = {}): Promise<void> {
  if (ops.length === 0) return;
  const root = rootOf(db);
  let total = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.sublevel.db !== root) throw new TypeError('root batch: an operation names a sublevel of another database');
    if (op.type === 'put' ? op.value === undefined : op.type !== 'del') throw new TypeError(`root batch: a malformed ${String(op.type)} operation`);
    total += prefixOf(op.sublevel).length + op.key.length;
  }
  // Options per operation cost abstract-level a copy each: none when the root's own are 'view'.
  const perOp = root.keyEncoding().name === 'view' && root.valueEncoding().name === 'view' ? undefined : VIEW;
  const keyBytes = new Uint8Array(total);
  const batch = root.batch();
  let at = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const prefix = prefixOf(op.sublevel);
    keyBytes.set(prefix, at);
    keyBytes.set(op.key, at + prefix.length);
    const end = at + prefix.length + op.key.length;
    const key = keyBytes.subarray(at, end);
    at = end;
    if (op.type === 'put') batch.put(key as never, op.value as never, perOp as never);
    else batch.del(key as never, perOp as never);
  }
  await batch.write(options as never);
}
