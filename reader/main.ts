/**
 * @module reader/main
 * The reader page's entry (bundled by esbuild into dist/reader/reader.js, scripts/build-reader.mjs):
 * three views, `#verify` for clerks, `#auditor` for auditors and `#trail` for citizens (who read
 * my data), in Chinese by default with a switch
 * to English (remembered in localStorage).
 */
import { mountAuditorView } from './auditor-view.js';
import { byId } from './dom.js';
import { initialLang, t, type Lang, type MessageKey } from './i18n.js';
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
const trailView = mountTrailView(byId('view-trail'), getLang);

function renderAll(): void {
  document.documentElement.lang = lang;
  document.title = t(lang, 'title');
  document.querySelectorAll<HTMLElement>('[data-i18n]').forEach((el) => (el.textContent = t(lang, el.dataset.i18n as MessageKey)));
  verifyView.render(lang);
  auditorView.render(lang);
  trailView.render(lang);
}

function showView(): void {
  const auditor = location.hash === '#auditor';
  const trail = location.hash === '#trail';
  byId('view-verify').hidden = auditor || trail;
  byId('view-auditor').hidden = !auditor;
  byId('view-trail').hidden = !trail;
  byId('tab-verify').classList.toggle('active', !auditor && !trail);
  byId('tab-auditor').classList.toggle('active', auditor);
  byId('tab-trail').classList.toggle('active', trail);
  if (auditor) auditorView.start();
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
