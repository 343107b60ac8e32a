/**
 * @module api/routes-tlog
 * The transparency-log standards (DESIGN.md section 11): `/checkpoint` (C2SP tlog-checkpoint in a
 * C2SP signed note, co-signed by at least q nodes), the Merkle log as C2SP tlog-tiles
 * (`/tile/<L>/<N>[.p/<W>]`, `/tile/entries/<N>[.p/<W>]`), and the nodes' note verifier keys.
 */
import { toHex } from '../ledger/bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { noteVerifierKeys, originOf, signedCheckpoint } from './checkpoint-note.js';
import { parseSignedNote } from '../ledger/checkpoint.js';
import { COSIGNER_KEY_TYPE, formatVerifierKey } from '../ledger/witness-cosignature.js';
import { appendCosignatures } from '../witness/node-witnessing.js';
import type { ApiContext } from './context.js';
import { jsonObject, type RouteSpec } from './route-spec.js';
import { parseTilePath } from './tile-path.js';
import { tileBytes } from './tiles.js';
import { parse, queryOf, tileIndexText, tileLevelText } from './validation.js';

const binary = { 'application/octet-stream': { type: 'string', format: 'binary' } };

/**
 * The head's checkpoint with the witnesses' cosignature lines after the nodes' (issue 23), when
 * the latest checkpoint the witnesses cosigned is the head's (same text); else the nodes' lines only.
 */
async function headCheckpointNote(ctx: ApiContext): Promise<{ note: string; height: bigint; signers: number[] }> {
  const cp = await signedCheckpoint(ctx);
  const stored = ctx.witnessed?.().latest;
  const witnessed = stored && parseSignedNote(stored.note);
  const head = parseSignedNote(cp.note);
  if (witnessed === undefined || head === undefined || witnessed.text !== head.text) return cp;
  const names = new Set(ctx.genesis.genesis.witnesses.map((w) => w.name));
  return { ...cp, note: appendCosignatures(cp.note, witnessed.signatures.filter((s) => names.has(s.keyName))) };
}

/** The witnesses' cosigner verifier keys (vkey type 0x04), from the genesis. */
function witnessVerifierKeys(ctx: ApiContext): string[] {
  return ctx.genesis.genesis.witnesses.map((w) => formatVerifierKey(w.name, COSIGNER_KEY_TYPE, w.publicKey));
}

export function tlogRoutes(ctx: ApiContext): RouteSpec[] {
  const tile = (entries: boolean): RouteSpec => ({
    method: 'get',
    path: entries ? '/tile/entries/{index}' : '/tile/{level}/{index}',
    expressPath: entries ? '/tile/entries/*index' : '/tile/:level/*index',
    tag: 'tlog',
    summary: entries
      ? 'C2SP tlog-tiles entry bundle: the event ids at log positions 256N.., each as a big-endian u16 length (32) and the id'
      : 'C2SP tlog-tiles Merkle tile: 256 (or W for a partial tile) hashes of level-8L subtrees, 32 bytes each',
    description: 'The index is written in 3-digit path elements, all but the last prefixed with `x` (index 1234067 is `x001/x234/067`); a partial tile adds `.p/<W>` (W 1..255). The slashes are part of the path.',
    params: [
      ...(entries ? [] : [{ name: 'level', in: 'path' as const, description: 'tile level 0..63, no leading zeros', validator: tileLevelText }]),
      { name: 'index', in: 'path', description: 'the tile index in path elements, optionally followed by `.p/<W>`', validator: tileIndexText },
    ],
    responses: { '200': { description: entries ? 'the entry bundle' : 'the tile', content: binary } },
    handler: async (req, res) => {
      queryOf(req.query, []);
      const rest = (req.params as Record<string, unknown>).index;
      const indexPath = Array.isArray(rest) ? rest.join('/') : String(rest);
      const level = entries ? 'entries' : String(req.params.level);
      if (level !== 'entries') parse(tileLevelText, level, 'level');
      parse(tileIndexText, indexPath, 'index');
      const ref = parseTilePath(`${level}/${indexPath}`);
      if (ref === undefined) throw new LedgerError('BAD_ARGUMENT', `not a C2SP tile path: tile/${level}/${indexPath.slice(0, 100)}`, { parameter: 'path' });
      const bytes = await tileBytes(ctx, ref);
      res.set('cache-control', 'public, max-age=31536000, immutable').type('application/octet-stream').send(Buffer.from(bytes));
    },
  });
  return [
    {
      method: 'get',
      path: '/checkpoint',
      tag: 'tlog',
      summary: 'C2SP tlog-checkpoint of the head in a C2SP signed note, with the note signatures of at least q nodes, then the outside witnesses\' cosignature/v1 lines once they cosigned it',
      responses: { '200': { description: 'the signed note (origin, log size, base64 root, blank line, signature lines)', content: { 'text/plain; charset=utf-8': { type: 'string' } } } },
      handler: async (_req, res) => {
        const cp = await headCheckpointNote(ctx);
        res.set('cache-control', 'no-cache, max-age=2').type('text/plain; charset=utf-8').send(cp.note);
      },
    },
    {
      method: 'get',
      path: '/v1/checkpoint',
      tag: 'tlog',
      summary: 'the signed checkpoint with what a client needs to check it: origin, note verifier keys, quorum, the header it comes from, the witnesses\' verifier keys and quorum',
      responses: { '200': jsonObject('{ origin, note, height, signers, quorum, verifierKeys, genesisHash, witnessQuorum, witnessVerifierKeys }') },
      handler: async (req, res) => {
        queryOf(req.query, []);
        const cp = await headCheckpointNote(ctx);
        res.json({
          origin: originOf(ctx.genesis),
          note: cp.note,
          height: cp.height.toString(),
          signers: cp.signers,
          quorum: ctx.genesis.genesis.quorum,
          verifierKeys: noteVerifierKeys(ctx.genesis),
          genesisHash: toHex(ctx.genesis.hash),
          witnessQuorum: ctx.genesis.genesis.witnessQuorum,
          witnessVerifierKeys: witnessVerifierKeys(ctx),
        });
      },
    },
    {
      method: 'get',
      path: '/checkpoint/witnessed',
      tag: 'tlog',
      summary: 'the latest checkpoint that reached the witness quorum of the genesis: a C2SP signed note with the nodes\' lines, then at least witness_quorum cosignature/v1 lines',
      responses: { '200': { description: 'the witnessed signed note', content: { 'text/plain; charset=utf-8': { type: 'string' } } } },
      handler: (req, res) => {
        queryOf(req.query, []);
        if (ctx.genesis.genesis.witnesses.length === 0) throw new LedgerError('NOT_FOUND', 'this chain\'s genesis names no witnesses', {});
        const note = ctx.witnessed?.().quorum?.note;
        if (note === undefined) throw new LedgerError('UNAVAILABLE', `no checkpoint has reached the witness quorum (${ctx.genesis.genesis.witnessQuorum}) yet`, {});
        res.set('cache-control', 'no-cache, max-age=2').type('text/plain; charset=utf-8').send(note);
      },
    },
    {
      method: 'get',
      path: '/v1/note-keys',
      tag: 'tlog',
      summary: 'the nodes\' signed-note verifier keys (`<origin>/node-<i>+<key id hex>+<base64(0x01 || Ed25519 key)>`), from the genesis',
      responses: { '200': jsonObject('{ origin, quorum, verifierKeys }') },
      handler: (req, res) => {
        queryOf(req.query, []);
        res.json({ origin: originOf(ctx.genesis), quorum: ctx.genesis.genesis.quorum, verifierKeys: noteVerifierKeys(ctx.genesis) });
      },
    },
    tile(true),
    tile(false),
  ];
}
