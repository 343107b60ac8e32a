/**
 * @module reader/trail-view
 * The citizen's own trail on the reader page, `#trail` (谁查询了我的数据, issue 21): the page takes
 * the subject secret file issued with the consent (never uploaded), reads every committed block of
 * the node that serves it (`GET /v1/blocks/{h}/raw`, decoded strictly under the genesis limits),
 * finds the reads about the secret's holder by their trail tags (verifier/trail.ts, the code
 * `ledger trail` runs), and checks each read's RFC 9162 inclusion proof (`GET /v1/events/{id}`)
 * against the log root it names. Every block is fetched, so the node cannot tell whose trail is
 * listed from the block requests; the proof requests do tell it which events are looked at, as
 * with `ledger trail` (README, "The citizen's trail").
 */
import { fromHex } from '../ledger/bytes.js';
import { loadGenesis } from '../ledger/genesis.js';
import { leafHash } from '../ledger/merkle-hash.js';
import { verifyInclusion } from '../ledger/merkle-verify.js';
import { parseSubjectSecretFile } from '../ledger/subject.js';
import { decode } from '../proto/codec.js';
import { DEFAULT_LIMITS } from '../proto/limits.js';
import { trailInBlock, type TrailEntry } from '../verifier/trail.js';
import { byId, fill, h } from './dom.js';
import { listText, t, timeText, type Lang } from './i18n.js';

/** A read about the holder, with whether its inclusion proof checked. */
type Row = TrailEntry & { proofOk: boolean };

type State = { phase: 'idle' } | { phase: 'scanning'; height: bigint; head: bigint } | { phase: 'done'; rows: Row[] } | { phase: 'error'; message: string };

export interface TrailView {
  render(lang: Lang): void;
}

/** Raw blocks larger than this are refused (the API's own bound, api/client.ts). */
const MAX_RAW_BLOCK_BYTES = 64 * 1024 * 1024;

async function fetchBytes(path: string): Promise<Uint8Array> {
  const r = await fetch(path, { headers: { accept: 'application/octet-stream' } });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function fetchJson<T>(path: string): Promise<T> {
  const r = await fetch(path, { headers: { accept: 'application/json' } });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

/** Scans heights 1..head of the serving node for the secret holder's reads, proofs checked. */
async function scan(secret: Uint8Array, progress: (height: bigint, head: bigint) => void): Promise<Row[]> {
  const genesis = loadGenesis(await fetchBytes('/v1/genesis'));
  const head = BigInt((await fetchJson<{ height: string }>('/v1/head')).height);
  const found: TrailEntry[] = [];
  for (let height = 1n; height <= head; height++) {
    progress(height, head);
    const raw = await fetchBytes(`/v1/blocks/${height}/raw`);
    const bwc = decode('BlockWithCommit', raw, { ...DEFAULT_LIMITS, maxBlockBytes: MAX_RAW_BLOCK_BYTES / 2 });
    found.push(...trailInBlock(decode('Block', bwc.block, genesis.limits), secret, genesis.limits));
  }
  const rows: Row[] = [];
  for (const e of found) {
    const p = (await fetchJson<{ inclusionProof?: { leafIndex: string; logSize: string; logRoot: string; hashes: string[] } }>(`/v1/events/${e.eventId}`)).inclusionProof;
    const check = p === undefined ? undefined : verifyInclusion(leafHash(fromHex(e.eventId)), BigInt(p.leafIndex), BigInt(p.logSize), p.hashes.map((x) => fromHex(x)), fromHex(p.logRoot));
    rows.push({ ...e, proofOk: check?.ok === true && p?.leafIndex === e.logPosition });
  }
  return rows;
}

export function mountTrailView(root: HTMLElement, getLang: () => Lang): TrailView {
  let state: State = { phase: 'idle' };
  const input = h('input', { type: 'file', id: 'trail-secret', 'data-testid': 'trail-secret', accept: '.json,application/json' });
  root.replaceChildren(
    h(
      'section',
      { class: 'card' },
      h('h2', { 'data-i18n': 'trailTitle' }),
      h('p', { 'data-i18n': 'trailIntro' }),
      h('div', { class: 'row' }, h('label', { for: 'trail-secret', 'data-i18n': 'trailSecret' }), input),
      h('div', { id: 'trail-status', 'data-testid': 'trail-status' }),
      h('table', { class: 'list', 'data-testid': 'trail' }, h('thead', { id: 'trail-head' }), h('tbody', { id: 'trail-body' })),
    ),
  );

  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file === undefined) return;
    void (async () => {
      let secret: Uint8Array;
      try {
        secret = parseSubjectSecretFile(await file.text(), file.name).secret;
      } catch (e) {
        state = { phase: 'error', message: `${t(getLang(), 'trailBadSecret')}: ${(e as Error).message}` };
        render(getLang());
        return;
      }
      try {
        state = { phase: 'scanning', height: 0n, head: 0n };
        render(getLang());
        const rows = await scan(secret, (height, head) => {
          state = { phase: 'scanning', height, head };
          render(getLang());
        });
        state = { phase: 'done', rows };
      } catch (e) {
        state = { phase: 'error', message: (e as Error).message };
      }
      render(getLang());
    })();
  });

  function render(lang: Lang): void {
    const status = byId('trail-status');
    status.removeAttribute('data-state');
    if (state.phase === 'idle') fill(status);
    else if (state.phase === 'scanning') fill(status, `${t(lang, 'trailScanning')} ${state.height} / ${state.head}`);
    else if (state.phase === 'error') {
      status.setAttribute('data-state', 'error');
      fill(status, state.message);
    } else {
      status.setAttribute('data-state', 'done');
      fill(status, state.rows.length === 0 ? t(lang, 'trailNone') : lang === 'zh-CN' ? `共 ${state.rows.length} ${t(lang, 'trailCount')}` : `${state.rows.length} ${t(lang, 'trailCount')}`);
    }
    const keys = ['trailWhen', 'trailGrantee', 'trailSource', 'trailWhat', 'trailPurpose', 'trailBasis', 'trailResult', 'trailProof'] as const;
    fill(byId('trail-head'), state.phase === 'done' && state.rows.length > 0 ? h('tr', {}, ...keys.map((k) => h('th', {}, t(lang, k)))) : null);
    const rows = state.phase === 'done' ? state.rows : [];
    fill(
      byId('trail-body'),
      ...rows.map((r) =>
        h(
          'tr',
          { 'data-event': r.eventId, 'data-result': r.resultName },
          h('td', {}, timeText(lang, Number(r.recordTimeMs))),
          h('td', {}, r.granteeDepartmentId),
          h('td', {}, r.sourceDepartmentId),
          h('td', {}, `${r.resourceId}: ${listText(lang, r.fields)}`),
          h('td', {}, r.purpose || '-'),
          h('td', {}, `${r.grantId || '-'} / ${r.consentId || '-'}`),
          h('td', { class: r.resultName === 'OK' ? 'ok' : 'warn' }, r.resultName === 'OK' ? t(lang, 'trailServed') : `${t(lang, 'trailRefused')} (${r.resultName})`),
          h('td', { class: r.proofOk ? 'ok' : 'warn' }, `${r.proofOk ? t(lang, 'trailProofOk') : t(lang, 'trailProofBad')} · ${t(lang, 'block')} ${r.height}`),
        ),
      ),
    );
  }

  render(getLang());
  return { render };
}
