/**
 * @module reader/report-view
 * The sharing performance report inside the reader page (issue 25, `#report`): a department or an
 * auditor chooses the period (and a department) and the node computes the report
 * (GET /v1/report, the same fold as `ledger report` and `ledger audit --report`), or opens a
 * report file saved from `ledger report --format json`. Either way the report is checked as
 * untrusted input (report/report-files.ts parseReportJson) and drawn by the same printable
 * document the node serves (report/report-html.ts), so the page, the API's HTML and the CLI's
 * file cannot show different figures. The document sits in a sandboxed frame with no scripts:
 * the page sets its language (Chinese first) from the reader's switch.
 */
import { LedgerError } from '../errors/ledger-error.js';
import { parseReportJson } from '../report/report-files.js';
import type { SharingReport } from '../report/report-fold.js';
import { reportHtml } from '../report/report-html.js';
import { byId, fill, h } from './dom.js';
import { t, type Lang } from './i18n.js';

/** A report file larger than this is refused before it is read (a city's year is far smaller). */
const MAX_REPORT_FILE_BYTES = 32 * 1024 * 1024;
const CST_OFFSET_MS = 8 * 3_600_000;

type Status = { kind: 'idle' } | { kind: 'loading' } | { kind: 'error'; key: 'reportNodeError' | 'reportBadFile' | 'reportBadDates' | 'reportNeedsSignature'; detail: string };

/** A day in China Standard Time as YYYY-MM-DD (the dates the report's window is given in). */
function cstDate(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 10);
}

export interface ReportView {
  render(lang: Lang): void;
}

export function mountReportView(root: HTMLElement, getLang: () => Lang): ReportView {
  const now = Date.now();
  let report: SharingReport | undefined;
  let source: { kind: 'node' } | { kind: 'file'; name: string } = { kind: 'node' };
  let status: Status = { kind: 'idle' };

  const from = h('input', { id: 'report-from', type: 'date', value: `${cstDate(now).slice(0, 4)}-01-01`, 'data-testid': 'report-from' });
  const to = h('input', { id: 'report-to', type: 'date', value: cstDate(now), 'data-testid': 'report-to' });
  const department = h('input', { id: 'report-department', type: 'text', list: 'report-departments', autocomplete: 'off', 'data-testid': 'report-department' });
  const file = h('input', { id: 'report-file', type: 'file', accept: '.json,application/json', 'data-testid': 'report-file' });
  const compute = h('button', { type: 'button', class: 'primary', 'data-i18n': 'reportCompute', 'data-testid': 'report-compute' });
  const print = h('button', { type: 'button', 'data-i18n': 'reportPrint', 'data-testid': 'report-print', hidden: true });
  const save = h('a', { 'data-i18n': 'reportSave', 'data-testid': 'report-save', download: 'sharing-report.html', hidden: true });
  // no allow-scripts: the document's own language button cannot run, the page sets its language
  const frame = h('iframe', { id: 'report-frame', sandbox: 'allow-same-origin allow-modals', title: '', 'data-testid': 'report-frame', hidden: true, style: 'width:100%;border:1px solid var(--line);border-radius:6px;background:#fff' });

  root.replaceChildren(
    h(
      'section',
      { class: 'card' },
      h('h2', { 'data-i18n': 'reportTitle' }),
      h('p', { class: 'note', 'data-i18n': 'reportIntro' }),
      h(
        'div',
        { class: 'grid' },
        h('label', { for: 'report-from', 'data-i18n': 'reportFrom' }),
        from,
        h('label', { for: 'report-to', 'data-i18n': 'reportTo' }),
        to,
        h('label', { for: 'report-department', 'data-i18n': 'reportDepartment' }),
        department,
      ),
      h('datalist', { id: 'report-departments' }),
      h('div', { class: 'row' }, compute),
      h('div', { class: 'row' }, h('label', { class: 'file' }, h('span', { 'data-i18n': 'reportOpenFile' }), file)),
      h('p', { id: 'report-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'report-status' }),
      h('div', { class: 'row' }, print, save),
    ),
    frame,
  );

  function show(r: SharingReport, from_: typeof source): void {
    report = r;
    source = from_;
    status = { kind: 'idle' };
    fill(byId('report-departments'), ...r.departments.map((d) => h('option', { value: d.id }, d.name)));
    frame.srcdoc = reportHtml(r);
    frame.hidden = false;
    print.hidden = false;
    save.hidden = false;
    if (save.href) URL.revokeObjectURL(save.href);
    save.href = URL.createObjectURL(new Blob([reportHtml(r)], { type: 'text/html;charset=utf-8' }));
    render(getLang());
  }

  function fail(key: Extract<Status, { kind: 'error' }>['key'], detail: string): void {
    status = { kind: 'error', key, detail };
    render(getLang());
  }

  compute.addEventListener('click', () => void computeAtNode());
  async function computeAtNode(): Promise<void> {
    if (!from.value || !to.value || to.value < from.value) return fail('reportBadDates', '');
    const q = new URLSearchParams({ from: from.value, to: to.value, format: 'json' });
    if (department.value.trim() !== '') q.set('department', department.value.trim());
    status = { kind: 'loading' };
    render(getLang());
    let body: string;
    try {
      const r = await fetch(`/v1/report?${q}`);
      body = await r.text();
      if (!r.ok) {
        let code = String(r.status);
        let message = '';
        try {
          const e = JSON.parse(body) as { code?: unknown; message?: unknown };
          code = typeof e.code === 'string' ? e.code : code;
          message = typeof e.message === 'string' ? e.message : '';
        } catch {
          /* not an error body: the status says it */
        }
        return fail(code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' ? 'reportNeedsSignature' : 'reportNodeError', `${code}${message ? `: ${message}` : ''}`);
      }
    } catch (e) {
      return fail('reportNodeError', (e as Error).message);
    }
    try {
      show(parseReportJson(body, 'GET /v1/report'), { kind: 'node' });
    } catch (e) {
      fail('reportNodeError', e instanceof LedgerError ? e.message : String(e));
    }
  }

  file.addEventListener('change', () => void openFile());
  async function openFile(): Promise<void> {
    const f = file.files?.[0];
    if (f === undefined) return;
    if (f.size > MAX_REPORT_FILE_BYTES) return fail('reportBadFile', `${f.name}: over ${MAX_REPORT_FILE_BYTES} bytes`);
    try {
      show(parseReportJson(await f.text(), f.name), { kind: 'file', name: f.name });
    } catch (e) {
      fail('reportBadFile', e instanceof LedgerError ? e.message : String(e));
    } finally {
      file.value = '';
    }
  }

  print.addEventListener('click', () => frame.contentWindow?.print());

  /** The framed document in the page's language, without its own (script-driven) switch, sized to its content. */
  function styleFrame(lang: Lang): void {
    const doc = frame.contentDocument;
    if (doc === null || doc.body === null || report === undefined) return;
    doc.documentElement.classList.toggle('en', lang === 'en');
    doc.documentElement.lang = lang;
    doc.getElementById('lang')?.remove();
    frame.style.height = `${doc.documentElement.scrollHeight + 24}px`;
  }
  frame.addEventListener('load', () => styleFrame(getLang()));

  function render(lang: Lang): void {
    const line = byId('report-status');
    line.className = status.kind === 'error' ? 'warn' : 'note';
    if (status.kind === 'loading') line.textContent = t(lang, 'reportLoading');
    else if (status.kind === 'error') line.textContent = `${t(lang, status.key)}${status.detail ? `${lang === 'zh-CN' ? '：' : ': '}${status.detail}` : ''}`;
    else if (report !== undefined) {
      const where = source.kind === 'node' ? t(lang, 'reportFromNode') : `${t(lang, 'reportFromFile')} ${source.name}`;
      line.textContent = `${where}${lang === 'zh-CN' ? '；' : '; '}${t(lang, 'reportAnchorAt')} ${report.anchor.height}`;
    } else line.textContent = '';
    frame.title = t(lang, 'reportTitle');
    styleFrame(lang);
  }

  return { render };
}
