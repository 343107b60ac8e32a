/**
 * @module reader/main
 * The reader page's entry (bundled by esbuild into dist/reader/reader.js, scripts/build-reader.mjs):
 * four views, `#verify` for clerks, `#auditor` for auditors, `#report` for the sharing
 * performance report (issue 25) and `#trail` for citizens (who read my data), in Chinese by
 * default with a switch to English (remembered in localStorage).
 */
import { mountAuditorView } from './auditor-view.js';
import { byId } from './dom.js';
import { initialLang, t, type Lang, type MessageKey } from './i18n.js';
import { mountReportView } from './report-view.js';
import { mountTrailView } from './trail-view.js';
import { mountVerifyView } from './verify-view.js';

const LANG_KEY = 'ledger-reader-lang';

function savedLang(): string | null {
  try {
    return localStorage.getItem(LANG_KEY);
  } catch {
    return null;
  }
}

let lang: Lang = initialLang(new URLSearchParams(location.search).get('lang') ?? savedLang());
const getLang = () => lang;

const verifyView = mountVerifyView(byId('view-verify'), getLang);
const auditorView = mountAuditorView(byId('view-auditor'), getLang);
const reportView = mountReportView(byId('view-report'), getLang);
const trailView = mountTrailView(byId('view-trail'), getLang);

function renderAll(): void {
  document.documentElement.lang = lang;
  document.title = t(lang, 'title');
  document.querySelectorAll<HTMLElement>('[data-i18n]').forEach((el) => (el.textContent = t(lang, el.dataset.i18n as MessageKey)));
  verifyView.render(lang);
  auditorView.render(lang);
  reportView.render(lang);
  trailView.render(lang);
}

const VIEWS = ['verify', 'auditor', 'report', 'trail'] as const;

function showView(): void {
  const named = VIEWS.find((v) => location.hash === `#${v}`);
  const view = named ?? 'verify';
  for (const v of VIEWS) {
    byId(`view-${v}`).hidden = v !== view;
    byId(`tab-${v}`).classList.toggle('active', v === view);
  }
  if (view === 'auditor') auditorView.start();
}

byId('lang').addEventListener('click', () => {
  lang = lang === 'zh-CN' ? 'en' : 'zh-CN';
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    /* private mode: the choice lasts this page */
  }
  renderAll();
});
window.addEventListener('hashchange', showView);

renderAll();
showView();
// served by a node: its genesis is the anchor offered first (a file can replace it, for offline use)
if (location.protocol === 'http:' || location.protocol === 'https:') void verifyView.fetchAnchor();
