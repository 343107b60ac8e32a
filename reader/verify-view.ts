/**
 * @module reader/verify-view
 * The clerk's view: the trust anchor (fetched from the node serving the page, or loaded from a
 * file for offline use), a bundle (pasted, uploaded, or a QR image), optional holder, disclosure
 * and document checks, and the verdict in large type with its reasons, the summary, the checks
 * and how old the status is. Verification runs here, in the browser, with the verifier module
 * (verifier/bundle-verify.ts) the CLI uses.
 */
import { genesisHash } from '../ledger/hash.js';
import type { CertificateSummary, CheckState, GrantSummary, VerifyOptions, VerifyResult } from '../verifier/bundle-types.js';
import { certificateTypeLabel, DEFAULT_MAX_AGE_MS, verifyBundle } from '../verifier/bundle-verify.js';
import { isPresentation, joinPresentation, readPresentationPart } from '../verifier/holder-presentation.js';
import type { HolderPresentation } from '../proto/schema.generated.js';

import { loadGenesis } from '../ledger/genesis.js';
import { anchorWitnessPolicy } from '../verifier/witness-check.js';
import { BundleInputError, bundleFromFile, bundleFromText, fileSha256, parseHex, scanCamera } from './bundle-input.js';
import { byId, fill, h, toHex } from './dom.js';
import { ageText, GRANT_REVOKED_ADVICE, listText, paren, reasonText, t, timeText, VERDICT_ADVICE, VERDICT_LABEL, type Lang, type MessageKey } from './i18n.js';

/** Anchor files are genesis blocks: small. */
const MAX_ANCHOR_BYTES = 64 * 1024;
const HOUR_MS = 3_600_000n;
/** The genesis hash this browser pinned: an anchor with another hash is refused. */
const PIN_KEY = 'ledger-reader-pinned-genesis';

interface Anchor {
  bytes: Uint8Array;
  hash: string;
  source: 'node' | 'file';
}

interface State {
  anchor?: Anchor;
  anchorError?: string;
  /** The anchor given is not a genesis (a random file): refused, never shown as loaded. */
  anchorNotGenesis?: boolean;
  /** The hash of an anchor refused because this browser pinned another. */
  anchorRefused?: string;
  bundle?: Uint8Array;
  bundleNote?: { key: MessageKey; detail?: string; error?: boolean };
  salts?: { id: string; salt: string };
  disclosure?: unknown;
  documentSha256?: Uint8Array;
  result?: VerifyResult;
  /** The reader's time used for the result (for the status age). */
  resultNowMs?: number;
  /** Parts of a holder's presentation scanned so far (issue 24). */
  presentation?: HolderPresentation[];
  /** The maximum age applied to the result (ms), null for none; `byDefault` when the field was blank. */
  resultMaxAge?: { ms: bigint | null; byDefault: boolean };
}

export interface VerifyView {
  render(lang: Lang): void;
  /** Fetches /v1/genesis from the serving node (used at start). */
  fetchAnchor(): Promise<void>;
}

export function mountVerifyView(root: HTMLElement, getLang: () => Lang): VerifyView {
  const state: State = {};
  const L = () => getLang();

  // -- static structure (labels are filled by render)
  root.replaceChildren(
    h(
      'section',
      { class: 'card', id: 'anchor-card' },
      h('h2', { 'data-i18n': 'anchorTitle' }),
      h('div', { id: 'anchor-status', 'data-testid': 'anchor-status' }),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', id: 'anchor-fetch', 'data-i18n': 'anchorFromNode' }),
        h('label', { class: 'file' }, h('span', { 'data-i18n': 'anchorFromFile' }), h('input', { type: 'file', id: 'anchor-file', accept: '.bin,application/octet-stream' })),
        h('button', { type: 'button', id: 'anchor-pin' }),
      ),
    ),
    h(
      'section',
      { class: 'card', id: 'bundle-card' },
      h('h2', { 'data-i18n': 'bundleTitle' }),
      h('label', { for: 'bundle-text', 'data-i18n': 'bundlePaste' }),
      h('textarea', { id: 'bundle-text', rows: '4', spellcheck: 'false', autocomplete: 'off' }),
      h('label', { class: 'file' }, h('span', { 'data-i18n': 'bundleFile' }), h('input', { type: 'file', id: 'bundle-file', accept: '.bin,.json,image/*' })),
      h('div', { class: 'row' }, h('button', { type: 'button', id: 'scan', 'data-i18n': 'scanCamera' })),
      h('video', { id: 'scan-video', class: 'scan', hidden: true }),
      h('div', { id: 'bundle-status', 'data-testid': 'bundle-status' }),
      h(
        'details',
        { id: 'options' },
        h('summary', { 'data-i18n': 'optionsTitle' }),
        h(
          'div',
          { class: 'grid' },
          h('label', { for: 'holder-id', 'data-i18n': 'holderId' }),
          h('input', { id: 'holder-id', autocomplete: 'off' }),
          h('label', { for: 'holder-salt', 'data-i18n': 'holderSalt' }),
          h('input', { id: 'holder-salt', autocomplete: 'off', spellcheck: 'false' }),
          h('label', { for: 'salts-file', 'data-i18n': 'saltsFile' }),
          h('input', { type: 'file', id: 'salts-file', accept: '.json' }),
          h('label', { for: 'disclosure-file', 'data-i18n': 'disclosureFile' }),
          h('input', { type: 'file', id: 'disclosure-file', accept: '.json' }),
          h('label', { for: 'document-file', 'data-i18n': 'documentFile' }),
          h('input', { type: 'file', id: 'document-file' }),
          h('label', { for: 'grant-fields', 'data-i18n': 'grantFields' }),
          h('input', { id: 'grant-fields', autocomplete: 'off' }),
          h('label', { for: 'max-age', 'data-i18n': 'maxAge' }),
          h('input', { id: 'max-age', type: 'number', min: '0', step: '1', placeholder: String(DEFAULT_MAX_AGE_MS / HOUR_MS) }),
        ),
      ),
      h('button', { type: 'button', id: 'verify', class: 'primary', 'data-i18n': 'verifyButton' }),
    ),
    // announced to screen readers when a verdict appears
    h('section', { class: 'card result', id: 'result', 'data-testid': 'result', hidden: true, role: 'status', 'aria-live': 'polite' }),
  );

  const anchorStatus = byId('anchor-status');
  const bundleStatus = byId('bundle-status');
  const resultEl = byId('result');
  const holderId = byId<HTMLInputElement>('holder-id');
  const holderSalt = byId<HTMLInputElement>('holder-salt');
  const maxAge = byId<HTMLInputElement>('max-age');

  function setAnchor(bytes: Uint8Array, source: Anchor['source']): void {
    const hash = bytes.length === 0 || bytes.length > MAX_ANCHOR_BYTES ? undefined : toHex(genesisHash(bytes));
    const pinned = pinnedHash();
    state.result = undefined;
    state.anchorRefused = undefined;
    state.anchorNotGenesis = undefined;
    if (hash === undefined) {
      state.anchor = undefined;
      state.anchorError = `${bytes.length} bytes`;
    } else if (!isGenesis(bytes)) {
      // the verifier would call every bundle BAD_ANCHOR: say so about the file, not the bundle
      state.anchor = undefined;
      state.anchorError = undefined;
      state.anchorNotGenesis = true;
    } else if (pinned !== undefined && hash !== pinned) {
      // a node (or file) whose genesis is not the one this desk pinned is not trusted
      state.anchor = undefined;
      state.anchorError = undefined;
      state.anchorRefused = hash;
    } else {
      state.anchor = { bytes, hash, source };
      state.anchorError = undefined;
    }
    render(L());
    if (state.bundle && state.anchor) verify();
  }

  function isGenesis(bytes: Uint8Array): boolean {
    try {
      loadGenesis(bytes);
      return true;
    } catch {
      return false;
    }
  }

  function pinnedHash(): string | undefined {
    try {
      return localStorage.getItem(PIN_KEY) ?? undefined;
    } catch {
      return undefined;
    }
  }

  byId('anchor-pin').addEventListener('click', () => {
    try {
      if (pinnedHash() !== undefined) localStorage.removeItem(PIN_KEY);
      else if (state.anchor) localStorage.setItem(PIN_KEY, state.anchor.hash);
    } catch {
      /* no storage (private mode): nothing pinned */
    }
    render(L());
  });

  async function fetchAnchor(): Promise<void> {
    try {
      const r = await fetch('/v1/genesis', { headers: { accept: 'application/octet-stream' } });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      setAnchor(new Uint8Array(await r.arrayBuffer()), 'node');
    } catch (e) {
      state.anchorError = (e as Error).message;
      render(L());
    }
  }

  /**
   * What the clerk gave is not a bundle (garbage, a truncated JSON, an empty file): a verdict
   * like any other, 无效 with the reason in the page's language (issue 17), not only a note.
   */
  function notABundle(e: unknown): void {
    state.bundle = undefined;
    state.bundleNote = undefined;
    const code = e instanceof BundleInputError ? e.code : 'INPUT_NOT_ENCODED';
    state.result = {
      verdict: 'INVALID',
      reasons: [{ code, message: (e as Error).message }],
      notes: [],
      subject: { kind: 'certificate', id: '' },
      checks: { holder: 'not-checked', attributes: 'not-checked', document: 'not-checked', fields: 'not-checked', consistency: 'not-checked', witnesses: 'not-checked' },
    };
    state.resultNowMs = Date.now();
    render(L());
  }

  function setBundle(bytes: Uint8Array | undefined, note: State['bundleNote']): void {
    state.bundle = bytes;
    state.bundleNote = note;
    state.result = undefined;
    render(L());
    if (bytes && state.anchor) verify();
  }

  /**
   * Scanned or uploaded bytes: a bare bundle, or a part of the holder's presentation (issue 24;
   * verifier/holder-presentation.ts), whose bundle, holder salt and chosen attributes fill the
   * form so that the clerk types only the ID number on the holder's identity card.
   */
  function receive(bytes: Uint8Array, note: State['bundleNote']): void {
    if (!isPresentation(bytes)) {
      state.presentation = undefined;
      return setBundle(bytes, note);
    }
    const part = readPresentationPart(bytes);
    if (!part.ok) return setBundle(undefined, { key: 'unreadable', detail: part.error, error: true });
    const parts = (state.presentation ?? []).filter((p) => p.certificateId === part.part.certificateId && p.part !== part.part.part);
    parts.push(part.part);
    state.presentation = parts;
    const joined = joinPresentation(parts);
    if ('error' in joined) return setBundle(undefined, { key: 'unreadable', detail: joined.error, error: true });
    if ('missing' in joined) {
      state.bundleNote = { key: 'presentationPart', detail: `${parts.length} / ${part.part.parts}` };
      return render(L());
    }
    const p = joined.complete;
    holderSalt.value = toHex(p.holderSalt);
    holderId.value = '';
    state.disclosure = p.disclosure;
    byId<HTMLDetailsElement>('options').open = true;
    setBundle(p.bundle, { key: 'presentationLoaded', detail: p.certificateId });
    holderId.focus();
  }

  byId('anchor-fetch').addEventListener('click', () => void fetchAnchor());
  byId<HTMLInputElement>('anchor-file').addEventListener('change', async (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (!file) return;
    if (file.size > MAX_ANCHOR_BYTES) {
      state.anchorError = `${file.size} bytes`;
      render(L());
      return;
    }
    setAnchor(new Uint8Array(await file.arrayBuffer()), 'file');
  });
  byId<HTMLTextAreaElement>('bundle-text').addEventListener('input', (ev) => {
    const text = (ev.target as HTMLTextAreaElement).value;
    if (text.trim() === '') return setBundle(undefined, undefined);
    try {
      setBundle(bundleFromText(text), { key: 'bundleLoaded' });
    } catch (e) {
      notABundle(e);
    }
  });
  byId<HTMLInputElement>('bundle-file').addEventListener('change', async (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      const loaded = await bundleFromFile(file);
      receive(loaded.bytes, { key: loaded.from === 'qr' ? 'qrDecoded' : 'bundleLoaded', detail: `${file.name}, ${loaded.bytes.length} B` });
    } catch (e) {
      if ((e as Error).message === 'QR_NOT_FOUND') setBundle(undefined, { key: 'qrNotFound', error: true });
      else notABundle(e);
    }
  });
  // the camera: one scan at a time; the button stops a running one
  let scanning: AbortController | undefined;
  const video = byId<HTMLVideoElement>('scan-video');
  byId('scan').addEventListener('click', async () => {
    if (scanning) return scanning.abort();
    scanning = new AbortController();
    video.hidden = false;
    state.bundleNote = { key: 'scanning' };
    render(L());
    try {
      receive(await scanCamera(video, scanning.signal), { key: 'qrDecoded', detail: t(L(), 'camera') });
    } catch (e) {
      const m = (e as Error).message;
      if (m !== 'CAMERA_STOPPED') setBundle(undefined, m === 'CAMERA_TIMEOUT' ? { key: 'qrNotFound', error: true } : { key: 'cameraUnavailable', detail: m, error: true });
      else setBundle(state.bundle, undefined);
    } finally {
      scanning = undefined;
      video.hidden = true;
    }
  });
  // a QR image pasted from the clipboard (e.g. a screenshot) is scanned like an uploaded one
  document.addEventListener('paste', async (ev) => {
    const item = Array.from(ev.clipboardData?.items ?? []).find((i) => i.kind === 'file' && i.type.startsWith('image/'));
    const file = item?.getAsFile();
    if (!file) return;
    ev.preventDefault();
    try {
      receive((await bundleFromFile(file)).bytes, { key: 'qrDecoded' });
    } catch (e) {
      const m = (e as Error).message;
      setBundle(undefined, m === 'QR_NOT_FOUND' ? { key: 'qrNotFound', error: true } : { key: 'unreadable', detail: m, error: true });
    }
  });
  byId<HTMLInputElement>('salts-file').addEventListener('change', async (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      const s = JSON.parse(await file.text()) as { holder?: { value?: unknown; salt?: unknown } };
      if (typeof s.holder?.value !== 'string' || typeof s.holder?.salt !== 'string') throw new Error('no holder value and salt');
      holderId.value = s.holder.value;
      holderSalt.value = s.holder.salt;
    } catch (e) {
      holderSalt.value = '';
      holderId.value = '';
      state.bundleNote = { key: 'unreadable', detail: `${file.name}: ${(e as Error).message}`, error: true };
      render(L());
    }
  });
  byId<HTMLInputElement>('disclosure-file').addEventListener('change', async (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    state.disclosure = file ? await file.text() : undefined;
  });
  byId<HTMLInputElement>('document-file').addEventListener('change', async (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    state.documentSha256 = file ? await fileSha256(file) : undefined;
  });
  byId('verify').addEventListener('click', () => verify());

  function verify(): void {
    if (!state.anchor) {
      state.bundleNote = { key: 'needAnchor', error: true };
      return render(L());
    }
    if (!state.bundle) {
      state.bundleNote = state.bundleNote?.error ? state.bundleNote : { key: 'needBundle', error: true };
      return render(L());
    }
    const nowMs = Date.now();
    const options: VerifyOptions = { nowMs: BigInt(nowMs) };
    // the witness policy is the anchor's (issue 23): its witnesses and witness quorum, when it names any
    const policy = witnessPolicyOf(state.anchor.bytes);
    if (policy !== undefined) options.witnesses = policy;
    // fresh by default (issue 24): blank is the default age; only an explicit 0 means none
    const hours = maxAge.value.trim();
    const applied = /^\d+$/.test(hours) ? { ms: hours === '0' || /^0+$/.test(hours) ? null : BigInt(hours) * HOUR_MS, byDefault: false } : { ms: DEFAULT_MAX_AGE_MS, byDefault: true };
    if (applied.ms !== null) options.maxAgeMs = applied.ms;
    state.resultMaxAge = applied;
    // the optional checks go only to the kind they apply to (the verifier calls a misplaced one
    // NOT_APPLICABLE): a first pass learns the kind
    const first = verifyBundle(state.bundle, state.anchor.bytes, options);
    const extra: Partial<VerifyOptions> = {};
    if (first.subject.kind === 'certificate') {
      const salt = parseHex(holderSalt.value);
      if (holderId.value.trim() !== '' && salt && salt.length > 0) extra.holder = { id: holderId.value.trim(), salt };
      if (state.disclosure !== undefined) extra.disclosed = state.disclosure;
      if (state.documentSha256) extra.documentSha256 = state.documentSha256;
    } else {
      const fields = byId<HTMLInputElement>('grant-fields').value.split(/[,，、\s]+/).filter((f) => f !== '');
      if (fields.length > 0) extra.fields = fields;
    }
    state.result = Object.keys(extra).length > 0 ? verifyBundle(state.bundle, state.anchor.bytes, { ...options, ...extra }) : first;
    state.resultNowMs = nowMs;
    render(L());
  }

  function witnessPolicyOf(anchor: Uint8Array): VerifyOptions['witnesses'] {
    try {
      return anchorWitnessPolicy(loadGenesis(anchor).genesis);
    } catch {
      return undefined; // a bad anchor is reported by the verifier itself (BAD_ANCHOR)
    }
  }

  function checkText(lang: Lang, c: CheckState): string {
    return t(lang, c === 'passed' ? 'passed' : c === 'failed' ? 'failed' : 'notChecked');
  }

  function row(label: string, ...value: Array<Node | string>): HTMLTableRowElement {
    return h('tr', {}, h('th', {}, label), h('td', {}, ...value));
  }

  function certificateRows(lang: Lang, s: CertificateSummary): HTMLTableRowElement[] {
    const until = BigInt(s.validUntilMs);
    return [
      row(t(lang, 'certificateId'), h('code', {}, s.certificateId)),
      row(t(lang, 'certificateType'), certificateTypeLabel(s)),
      row(t(lang, 'issuer'), `${s.issuerName || s.issuerDepartmentId} (${s.issuerDepartmentId})${s.issuerSuspended ? t(lang, 'suspended') : ''}`),
      row(t(lang, 'status'), `${t(lang, s.status === 'REVOKED' ? 'statusRevoked' : 'statusIssued')}${s.revocationReason ? ` — ${s.revocationReason}` : ''}`),
      row(t(lang, 'validUntil'), until === 0n ? t(lang, 'noExpiry') : timeText(lang, Number(until))),
      row(t(lang, 'attributeNames'), listText(lang, s.attributeNames)),
      row(
        t(lang, 'encumbrances'),
        s.encumbrances.length === 0
          ? t(lang, 'noEncumbrances')
          : listText(lang, s.encumbrances.map((e) => `${t(lang, e.kind === 'SEIZURE' ? 'seizedBanner' : 'mortgagedBanner')} ${t(lang, e.kind === 'SEIZURE' ? 'seizureRank' : 'rank')} ${e.rank} (${e.rightHolderDepartmentId})`)),
      ),
      ...(s.transferredAtMs !== '0' ? [row(t(lang, 'transferredAt'), timeText(lang, Number(s.transferredAtMs)))] : []),
      row(t(lang, 'documentSha256'), h('code', { class: 'hash' }, s.documentSha256)),
    ];
  }

  /**
   * The encumbrance banners (他项权利, issue 24) right under the verdict: a seizure as an alarm
   * no lender can miss, the mortgages with rank, creditor, amount and date; and, for a previous
   * holder, the transfer.
   */
  function encumbranceBanners(lang: Lang, r: VerifyResult): HTMLElement[] {
    const s = r.summary;
    if (s?.kind !== 'certificate') return [];
    const out: HTMLElement[] = [];
    if (r.reasons.some((x) => x.code === 'SUPERSEDED') && s.transferredAtMs !== '0') {
      out.push(
        h(
          'div',
          { class: 'banner banner-superseded', role: 'alert', 'data-testid': 'superseded' },
          h('div', { class: 'title' }, `${t(lang, 'supersededBanner')}${paren(lang, `${t(lang, 'transferredAt')} ${timeText(lang, Number(s.transferredAtMs))}`)}`),
          h('div', {}, t(lang, 'supersededAdvice')),
        ),
      );
    }
    const seizures = s.encumbrances.filter((e) => e.kind === 'SEIZURE');
    if (seizures.length > 0) {
      out.push(
        h(
          'div',
          { class: 'banner banner-seized', role: 'alert', 'data-testid': 'seized' },
          h('div', { class: 'title' }, `⚠ ${t(lang, 'seizedBanner')}`),
          h('div', {}, t(lang, 'seizedAdvice')),
          h('ul', {}, ...seizures.map((e) => h('li', {}, `${t(lang, 'seizureRank')} ${e.rank} · ${e.rightHolderDepartmentId} · ${t(lang, 'caseNumber')} ${e.caseNumber} · ${t(lang, 'since')} ${timeText(lang, Number(e.sinceMs))}`))),
        ),
      );
    }
    const mortgages = s.encumbrances.filter((e) => e.kind === 'MORTGAGE');
    if (mortgages.length > 0) {
      out.push(
        h(
          'div',
          { class: 'banner banner-mortgaged', 'data-testid': 'mortgaged' },
          h('div', { class: 'title' }, t(lang, 'mortgagedBanner')),
          h(
            'ul',
            {},
            ...mortgages.map((e) =>
              h('li', {}, `${t(lang, 'rank')} ${e.rank} · ${e.rightHolderDepartmentId}${e.amountYuan !== '0' ? ` · ${t(lang, 'amount')} ${BigInt(e.amountYuan).toLocaleString(lang)} ${t(lang, 'yuan')}` : ''} · ${t(lang, 'since')} ${timeText(lang, Number(e.sinceMs))}`),
            ),
          ),
        ),
      );
    }
    return out;
  }

  function grantRows(lang: Lang, s: GrantSummary): HTMLTableRowElement[] {
    const statusKey: Record<GrantSummary['status'], MessageKey> = { REQUESTED: 'statusRequested', GRANTED: 'statusGranted', DENIED: 'statusDenied', REVOKED: 'statusRevoked' };
    return [
      row(t(lang, 'grantId'), h('code', {}, s.grantId)),
      // the name only when proved (issue 17): a bundle older than the grantee record shows the id alone
      row(t(lang, 'grantee'), s.granteeName ? `${s.granteeName} (${s.granteeDepartmentId})` : s.granteeDepartmentId),
      row(t(lang, 'grantor'), `${s.grantorName || s.grantorDepartmentId} (${s.grantorDepartmentId})${s.grantorSuspended ? t(lang, 'suspended') : ''}`),
      row(t(lang, 'resource'), s.resourceId),
      row(t(lang, 'purpose'), s.purpose),
      row(t(lang, 'status'), t(lang, statusKey[s.status])),
      row(t(lang, 'fields'), listText(lang, s.grantedFields.length > 0 ? s.grantedFields : s.requestedFields)),
      row(t(lang, 'window'), `${timeText(lang, Number(s.validFromMs))} — ${timeText(lang, Number(s.validUntilMs))}`),
      row(t(lang, 'usesLeft'), s.usesLeft === null ? t(lang, 'unlimited') : `${s.usesLeft} / ${s.maxUses}`),
    ];
  }

  /** The maximum age the result rests on, stated beside the status time. */
  function maxAgeText(lang: Lang): string {
    const a = state.resultMaxAge;
    if (a === undefined) return '';
    if (a.ms === null) return `${t(lang, 'maxAgeApplied')} ${t(lang, 'maxAgeNone')}`;
    const hours = `${a.ms / HOUR_MS} ${t(lang, 'hours')}`;
    return `${t(lang, 'maxAgeApplied')} ${hours}${a.byDefault ? paren(lang, t(lang, 'maxAgeDefault')) : ''}`;
  }

  function renderResult(lang: Lang): void {
    const r = state.result;
    resultEl.hidden = r === undefined;
    if (!r) return resultEl.replaceChildren();
    const verdictEl = h('div', { class: `verdict verdict-${r.verdict}`, 'data-testid': 'verdict', 'data-verdict': r.verdict }, VERDICT_LABEL[lang][r.verdict]);
    const subject = h('div', { class: 'subject' }, `${t(lang, r.subject.kind === 'grant' ? 'grant' : 'certificate')} · `, h('code', {}, r.subject.id || '—'));
    const reasons = h(
      'ul',
      { class: 'reasons', 'data-testid': 'reasons' },
      ...(r.reasons.length === 0 ? [h('li', { class: 'ok' }, t(lang, 'noReasons'))] : r.reasons.map((x) => h('li', { 'data-code': x.code }, reasonText(lang, x), ' ', h('span', { class: 'code' }, `[${x.code}]`), lang === 'zh-CN' ? h('div', { class: 'en' }, x.message) : null))),
      // notes (ISSUER_SUSPENDED, HEADER_IN_FUTURE) never change the verdict: shown after the reasons
      ...(r.notes ?? []).map((x) => h('li', { class: 'note', 'data-code': x.code }, reasonText(lang, x), ' ', h('span', { class: 'code' }, `[${x.code}]`))),
    );
    const header = r.header;
    const age = header
      ? h(
          'div',
          { class: 'age', 'data-testid': 'status-age' },
          `${t(lang, 'statusAge')}: ${timeText(lang, Number(header.blockTimeMs))}${paren(lang, ageText(lang, (state.resultNowMs ?? Date.now()) - Number(header.blockTimeMs)))} · ${maxAgeText(lang)} · ${t(lang, 'block')} ${header.height} · ${t(lang, 'signers')} ${header.signers.join(', ')}`,
        )
      : null;
    const summaryRows = r.summary ? (r.summary.kind === 'certificate' ? certificateRows(lang, r.summary) : grantRows(lang, r.summary)) : [];
    const checks = r.checks;
    const checkRows = (
      [
        ['checkHolder', checks.holder],
        ['checkAttributes', checks.attributes],
        ['checkDocument', checks.document],
        ['checkFields', checks.fields],
        ['checkConsistency', checks.consistency],
        ['checkWitnesses', checks.witnesses],
      ] as Array<[MessageKey, CheckState]>
    )
      // what applies to the kind is always listed (checked or not), and the witnesses; the rest only when checked
      .filter(([k, c]) => c !== 'not-checked' || k === 'checkWitnesses' || (r.subject.kind === 'grant' ? k === 'checkFields' : k === 'checkHolder' || k === 'checkAttributes' || k === 'checkDocument'))
      .map(([k, c]) => {
        // the witnesses' names, or why they were not checked
        const more = k !== 'checkWitnesses' ? '' : c === 'not-checked' ? `（${t(lang, 'witnessesNone')}）` : r.witnesses && r.witnesses.length > 0 ? ` — ${t(lang, 'witnessedBy')}: ${r.witnesses.join(', ')}` : '';
        return h('tr', { class: `check-${c}` }, h('th', {}, t(lang, k)), h('td', { 'data-check': k }, checkText(lang, c) + (lang === 'en' ? more.replace(/^（(.*)）$/, ' ($1)') : more)));
      });
    const disclosed = r.disclosed
      ? h('table', { class: 'kv', 'data-testid': 'disclosed' }, h('caption', {}, t(lang, 'disclosed')), ...Object.entries(r.disclosed).map(([k, v]) => row(k, v)))
      : null;
    resultEl.replaceChildren(
      verdictEl,
      h('p', { class: 'advice' }, r.verdict === 'REVOKED' && r.subject.kind === 'grant' ? GRANT_REVOKED_ADVICE[lang] : VERDICT_ADVICE[lang][r.verdict]),
      ...encumbranceBanners(lang, r),
      subject,
      age ?? '',
      h('h3', {}, t(lang, 'reasons')),
      reasons,
      summaryRows.length > 0 ? h('h3', {}, t(lang, 'summary')) : '',
      summaryRows.length > 0 ? h('table', { class: 'kv', 'data-testid': 'summary' }, ...summaryRows) : '',
      h('h3', {}, t(lang, 'checks')),
      h('table', { class: 'kv', 'data-testid': 'checks' }, ...checkRows),
      disclosed ?? '',
      header ? h('div', { class: 'header-hash' }, `${t(lang, 'headerHash')}: `, h('code', { class: 'hash' }, header.headerHash)) : '',
    );
  }

  function render(lang: Lang): void {
    const pinned = pinnedHash();
    const pin = byId('anchor-pin');
    pin.textContent = t(lang, pinned !== undefined ? 'anchorUnpin' : 'anchorPin');
    (pin as HTMLButtonElement).disabled = pinned === undefined && !state.anchor;
    if (state.anchor) {
      fill(
        anchorStatus,
        h('span', { class: 'ok' }, `✔ ${t(lang, 'anchorLoaded')}`),
        ` · ${t(lang, 'anchorSource')}: ${t(lang, state.anchor.source === 'node' ? 'anchorSourceNode' : 'anchorSourceFile')}`,
        h('div', {}, `${t(lang, 'anchorHash')}: `, h('code', { class: 'hash', 'data-testid': 'anchor-hash' }, state.anchor.hash)),
        pinned !== undefined ? h('div', { class: 'ok', 'data-testid': 'anchor-pinned' }, `🔒 ${t(lang, 'anchorPinned')}`) : '',
      );
    } else {
      fill(
        anchorStatus,
        h('span', { class: 'warn' }, t(lang, 'anchorNone')),
        state.anchorError ? ` (${t(lang, 'anchorBad')}: ${state.anchorError})` : '',
        state.anchorNotGenesis ? h('div', { class: 'warn', 'data-testid': 'anchor-not-genesis' }, t(lang, 'anchorNotGenesis')) : '',
        state.anchorRefused ? h('div', { class: 'warn', 'data-testid': 'anchor-refused' }, `${t(lang, 'anchorNotPinned')} `, h('code', { class: 'hash' }, state.anchorRefused)) : '',
      );
    }
    const n = state.bundleNote;
    // a note is never green: only the verdict says whether the bundle is good (issue 17)
    fill(bundleStatus, n ? h('span', { class: n.error ? 'warn' : 'note' }, `${t(lang, n.key)}${n.detail ? `: ${n.detail}` : ''}`) : '');
    renderResult(lang);
  }

  return { render, fetchAnchor };
}
