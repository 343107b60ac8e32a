/**
 * @module reader/trail-view
 * The citizen's own trail on the reader page, `#trail` (谁查询了我的数据, issue 21): the page takes
 * the subject secret file issued with the consent (never uploaded), pages through the serving
 * node's public trail index (`GET /v1/trail/index`: salts and tags only), finds the reads about the
 * secret's holder by their trail tags and opens each with its opening (verifier/trail.ts, the code
 * `ledger trail` runs), checking each event against its id and its RFC 9162 inclusion proof. The
 * index pages do not tell the node whose trail is listed; the openings tell it which reads are one
 * subject's, as with `ledger trail` (README, "The citizen's trail"). A node whose API is signed
 * serves these routes to anyone.
 */
import { loadGenesis } from '../ledger/genesis.js';
import { parseSubjectSecretFile } from '../ledger/subject.js';
import { findTrail, type ProvenTrailEntry } from '../verifier/trail.js';
import { byId, fill, h } from './dom.js';
import { listText, t, timeText, type Lang } from './i18n.js';

/** A read about the holder, with whether its inclusion proof checked. */
type Row = ProvenTrailEntry & { proofOk: boolean };

type State = { phase: 'idle' } | { phase: 'scanning'; height: bigint; head: bigint } | { phase: 'done'; rows: Row[] } | { phase: 'error'; message: string };

export interface TrailView {
  render(lang: Lang): void;
}

/** JSON answers larger than this are refused (the CLI's bound, api/client.ts). */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

async function fetchBytes(path: string): Promise<Uint8Array> {
  const r = await fetch(path, { headers: { accept: 'application/octet-stream' } });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function fetchJson<T>(path: string): Promise<T> {
  const r = await fetch(path, { headers: { accept: 'application/json' } });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  const text = await r.text();
  if (text.length > MAX_JSON_BYTES) throw new Error(`${path}: the answer is larger than ${MAX_JSON_BYTES} bytes`);
  return JSON.parse(text) as T;
}

/** The serving node's reads about the secret's holder, each opened and its proof checked. */
async function scan(secret: Uint8Array, progress: (height: bigint, head: bigint) => void): Promise<Row[]> {
  const genesis = loadGenesis(await fetchBytes('/v1/genesis'));
  const found = await findTrail(fetchJson, secret, genesis.limits, progress);
  return found.map((e) => ({ ...e, proofOk: e.inclusion.verified }));
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
