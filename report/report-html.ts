/**
 * @module report/report-html
 * The sharing performance report as a printable document (issue 25): Chinese first with an English
 * switch, A4 print styles, charts drawn as inline SVG (requests per department, the time-to-decide
 * distribution, the sharing matrix as a heat map), and no network fetch of any kind, so that
 * Chromium's print-to-PDF gives the PDF an office files. Hand-drawn SVG rather than a chart
 * library: three simple charts, and a library would have to be inlined into every report.
 * Pure: a SharingReport in, one HTML string out (so the API and the CLI serve the same document).
 */
import { DECISION_BUCKETS, type SharingReport } from './report-fold.js';
import { cstText } from './report-window.js';

type Text = readonly [zh: string, en: string];

const T = {
  title: ['政务信息资源共享绩效评估报告', 'Government information sharing: performance report'],
  window: ['统计区间', 'Period'],
  department: ['部门', 'Department'],
  allDepartments: ['全部部门', 'all departments'],
  anchor: ['计算依据（区块链已提交区块头）', 'Computed at (a committed block header)'],
  height: ['区块高度', 'Height'],
  headerHash: ['区块头哈希', 'Header hash'],
  blockTime: ['出块时间', 'Block time'],
  logSize: ['日志大小', 'Log size'],
  logRoot: ['日志根', 'Log root'],
  stateRoot: ['状态根', 'State root'],
  genesis: ['创世哈希', 'Genesis hash'],
  signatures: ['共识签名', 'Quorum signatures'],
  node: ['节点', 'node'],
  verify: ['核验方法：审计员可用 `ledger audit --report 本报告.json` 从链上重新计算每一项数字，并指出第一项不一致之处。', 'To check: an auditor runs `ledger audit --report report.json`, which recomputes every figure from the chain and names the first that differs.'],
  ranking: ['排名', 'Ranking'],
  rank: ['名次', 'Rank'],
  served: ['提供数据访问次数', 'Reads served'],
  decided: ['办结共享申请', 'Requests decided'],
  received: ['收到共享申请', 'Requests received'],
  made: ['提出共享申请', 'Requests made'],
  median: ['审批时长中位数', 'Median time to decide'],
  p90: ['审批时长 90 分位', '90th percentile'],
  chartRequests: ['各部门共享申请数量', 'Sharing requests per department'],
  chartDecisions: ['审批时长分布', 'Time to decide'],
  chartMatrix: ['部门间数据共享矩阵（提供方 → 使用方，访问次数）', 'Sharing matrix (provider → reader, reads)'],
  provider: ['提供方', 'Provider'],
  reader: ['使用方', 'Reader'],
  catalogue: ['目录编制与更新', 'Catalogue'],
  registered: ['新编目录', 'Entries registered'],
  versions: ['发布数据版本', 'Versions published'],
  overdue: ['逾期未更新', 'Overdue'],
  resource: ['资源', 'Resource'],
  shareType: ['共享类型', 'Sharing type'],
  cycle: ['更新周期', 'Update cycle'],
  lastVersion: ['最近版本', 'Last version'],
  daysSince: ['距今天数', 'Days since'],
  none: ['无', 'none'],
  notStated: ['未声明', 'not stated'],
  yes: ['是', 'yes'],
  no: ['否', 'no'],
  requests: ['共享申请', 'Sharing requests'],
  accesses: ['数据访问', 'Data access'],
  refused: ['被拒绝的访问（按原因）', 'Reads refused (by reason)'],
  refusedOnOwn: ['对本部门数据的被拒访问（按原因）', 'Refused reads of its data (by reason)'],
  byResource: ['按资源', 'by resource'],
  byCounterparty: ['按对方部门', 'by counterparty'],
  certificates: ['电子证照', 'Certificates'],
  issued: ['签发', 'issued'],
  amended: ['变更', 'amended'],
  transferred: ['转移', 'transferred'],
  revoked: ['注销', 'revoked'],
  granted: ['同意', 'granted'],
  denied: ['不同意', 'denied'],
  pending: ['待办', 'pending'],
  ownData: ['本部门读取自有数据', 'Reads of its own data'],
  verificationsNote: ['用证核验记录：本链尚未记录此类事件。', 'Verification records: this chain records none.'],
  switchLang: ['English', '中文'],
  noData: ['本区间内无数据。', 'No data in this period.'],
} as const satisfies Record<string, Text>;

const SHARE_TYPE: Record<string, Text> = {
  UNCONDITIONAL: ['无条件共享', 'unconditional'],
  CONDITIONAL: ['有条件共享', 'conditional'],
  NOT_SHARED: ['不予共享', 'not shared'],
  UNSPECIFIED: ['未指定', 'unspecified'],
};

const BUCKET: Record<(typeof DECISION_BUCKETS)[number], Text> = {
  within_1d: ['1 天内', '≤ 1 day'],
  within_7d: ['1–7 天', '1–7 days'],
  within_30d: ['7–30 天', '7–30 days'],
  over_30d: ['30 天以上', '> 30 days'],
};

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Both languages; the page shows one (Chinese by default). */
function both(t: Text): string {
  return `<span lang="zh-CN">${esc(t[0])}</span><span lang="en">${esc(t[1])}</span>`;
}

function durationText(ms: number): Text {
  const hours = ms / 3_600_000;
  if (hours < 48) return [`${hours.toFixed(1)} 小时`, `${hours.toFixed(1)} h`];
  const days = ms / 86_400_000;
  return [`${days.toFixed(1)} 天`, `${days.toFixed(1)} days`];
}

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return `<p class="muted">${both(T.noData)}</p>`;
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** Horizontal grouped bars: one row per label, one bar per series. */
function barChart(labels: string[], series: Array<{ name: Text; color: string; values: number[] }>): string {
  const rowH = 14 * series.length + 10;
  const labelW = 180;
  const barW = 420;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const height = labels.length * rowH + 30;
  const parts: string[] = [];
  labels.forEach((label, i) => {
    const y = i * rowH + 4;
    parts.push(`<text x="${labelW - 6}" y="${y + (14 * series.length) / 2}" text-anchor="end" dominant-baseline="middle">${esc(label)}</text>`);
    series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      const w = Math.round((v / max) * barW);
      parts.push(`<rect x="${labelW}" y="${y + j * 14}" width="${w}" height="12" fill="${s.color}"/><text x="${labelW + w + 4}" y="${y + j * 14 + 10}" dominant-baseline="auto">${v}</text>`);
    });
  });
  const legendY = labels.length * rowH + 18;
  // the legend keeps within the chart's width (four series at 150 ran off its right edge)
  const legendStep = Math.min(150, Math.floor((barW + 60) / series.length));
  series.forEach((s, j) => {
    parts.push(`<rect x="${labelW + j * legendStep}" y="${legendY - 9}" width="10" height="10" fill="${s.color}"/><text x="${labelW + j * legendStep + 14}" y="${legendY}">${both(s.name).replace(/<span lang="([^"]+)">/g, '<tspan class="l-$1">').replaceAll('</span>', '</tspan>')}</text>`);
  });
  return `<svg class="chart" viewBox="0 0 ${labelW + barW + 60} ${height}" width="100%" role="img">${parts.join('')}</svg>`;
}

function heatMap(report: SharingReport, name: (id: string) => string): string {
  const providers = Object.keys(report.matrix);
  const readers = [...new Set(providers.flatMap((p) => Object.keys(report.matrix[p]!)))].sort();
  if (providers.length === 0) return `<p class="muted">${both(T.noData)}</p>`;
  const cell = 64;
  const labelW = 170;
  const top = 90;
  const max = Math.max(1, ...providers.flatMap((p) => Object.values(report.matrix[p]!)));
  const parts: string[] = [];
  readers.forEach((r, j) => {
    parts.push(`<text transform="translate(${labelW + j * cell + cell / 2},${top - 6}) rotate(-35)">${esc(name(r))}</text>`);
  });
  providers.forEach((p, i) => {
    parts.push(`<text x="${labelW - 6}" y="${top + i * cell + cell / 2}" text-anchor="end" dominant-baseline="middle">${esc(name(p))}</text>`);
    readers.forEach((r, j) => {
      const v = report.matrix[p]![r] ?? 0;
      // lightness from 96 % (none) to 35 % (the most): a single-hue scale that prints in grey too
      const light = v === 0 ? 96 : Math.round(90 - (55 * v) / max);
      parts.push(`<rect x="${labelW + j * cell}" y="${top + i * cell}" width="${cell - 2}" height="${cell - 2}" fill="hsl(210,70%,${light}%)"/><text x="${labelW + j * cell + cell / 2}" y="${top + i * cell + cell / 2}" text-anchor="middle" dominant-baseline="middle" fill="${light < 60 ? '#fff' : '#222'}">${v}</text>`);
    });
  });
  return `<svg class="chart" viewBox="0 0 ${labelW + readers.length * cell + 20} ${top + providers.length * cell + 10}" width="${Math.min(100, 25 + readers.length * 15)}%" role="img">${parts.join('')}</svg>`;
}

/** The report as one self-contained HTML document. */
export function reportHtml(report: SharingReport): string {
  const f = (k: string): number => report.figures[k] ?? 0;
  const names = new Map(report.departments.map((d) => [d.id, d.name]));
  const name = (id: string): string => (names.get(id) ? `${names.get(id)}` : id);
  // one department's report names its counterparties (the matrix) but has figures for it alone
  const depts = report.departments.map((d) => d.id).filter((id) => report.window.department === null || id === report.window.department);
  const prefixed = (dept: string, prefix: string): Array<[string, number]> =>
    Object.entries(report.figures).filter(([k]) => k.startsWith(`${dept}/${prefix}`)).map(([k, v]) => [k.slice(dept.length + 1 + prefix.length), v]);

  const idCell = (id: string): string => (name(id) === id ? esc(id) : `${esc(name(id))}<div class="muted">${esc(id)}</div>`);
  const a = report.anchor;
  const anchorRows = [
    [both(T.height), esc(a.height)],
    [both(T.blockTime), esc(cstText(BigInt(a.blockTimeMs)))],
    [both(T.headerHash), `<code>${esc(a.headerHash)}</code>`],
    [both(T.logSize), esc(a.logSize)],
    [both(T.logRoot), `<code>${esc(a.logRoot)}</code>`],
    [both(T.stateRoot), `<code>${esc(a.stateRoot)}</code>`],
    [both(T.genesis), `<code>${esc(a.genesisHash)}</code>`],
    [both(T.signatures), a.signatures.map((s) => `${both(T.node)} ${s.nodeIndex}: <code>${esc(s.signature.slice(0, 32))}…</code>`).join('<br>')],
  ];

  const ranking = table(
    [both(T.rank), both(T.department), both(T.served), both(T.decided), both(T.received), both(T.median)],
    report.ranking.map((r) => [String(r.rank), idCell(r.departmentId), String(r.accessesServed), String(r.requestsDecided), String(r.requestsReceived), r.medianDecisionMs === null ? '—' : both(durationText(r.medianDecisionMs))]),
  );

  const requestsChart = barChart(depts.map(name), [
    { name: T.received, color: '#2f6fb3', values: depts.map((d) => f(`${d}/requests_received/total`)) },
    { name: T.made, color: '#e0a030', values: depts.map((d) => f(`${d}/requests_made/total`)) },
  ]);
  const deciders = depts.filter((d) => DECISION_BUCKETS.some((b) => f(`${d}/requests_decided/${b}`) > 0));
  const decisionsChart = deciders.length === 0 ? `<p class="muted">${both(T.noData)}</p>` : barChart(deciders.map(name), DECISION_BUCKETS.map((b, i) => ({ name: BUCKET[b], color: ['#3a9a5b', '#8cc265', '#f0b840', '#d9534f'][i]!, values: deciders.map((d) => f(`${d}/requests_decided/${b}`)) })));

  const sections = depts.map((d) => {
    const resources = report.resources[d] ?? [];
    const resourceTable = table(
      [both(T.resource), both(T.shareType), both(T.cycle), both(T.lastVersion), both(T.daysSince), both(T.overdue)],
      resources.map((r) => [
        `${esc(r.name)}<div class="muted">${esc(r.resourceId)}</div>`,
        both(SHARE_TYPE[r.shareType] ?? SHARE_TYPE.UNSPECIFIED!),
        r.updateCycle === '' ? both(T.notStated) : esc(r.updateCycle),
        r.lastVersionMs === null ? both(T.none) : esc(cstText(BigInt(r.lastVersionMs))),
        String(r.daysSinceLastVersion),
        r.overdue === null ? both(T.notStated) : r.overdue ? `<strong class="warn">${both(T.yes)}</strong>` : both(T.no),
      ]),
    );
    const registered = (['UNCONDITIONAL', 'CONDITIONAL', 'NOT_SHARED'] as const).map((t) => `${both(SHARE_TYPE[t]!)} ${f(`${d}/catalogue/registered/${t}`)}`).join('；');
    const statusRow = (side: 'received' | 'made') => (['granted', 'denied', 'pending', 'revoked'] as const).map((s) => `${both(T[s])} ${f(`${d}/requests_${side}/${s}`)}`).join('；');
    const list = (pairs: Array<[string, number]>, label: (k: string) => string) => (pairs.length === 0 ? both(T.none) : pairs.map(([k, v]) => `${label(k)} ${v}`).join('；'));
    const median = report.figures[`${d}/requests_decided/median_ms`];
    const p90 = report.figures[`${d}/requests_decided/p90_ms`];
    return `<section class="dept"><h2>${esc(name(d))} <span class="muted">${esc(d)}</span></h2>
<h3>${both(T.catalogue)}</h3>
<p>${both(T.registered)}：${registered}；${both(T.versions)} ${f(`${d}/catalogue/versions_published`)}；${both(T.overdue)} ${f(`${d}/catalogue/overdue`)}</p>
${resourceTable}
<h3>${both(T.requests)}</h3>
<p>${both(T.received)} ${f(`${d}/requests_received/total`)}（${statusRow('received')}）</p>
<p>${both(T.made)} ${f(`${d}/requests_made/total`)}（${statusRow('made')}）</p>
<p>${both(T.median)}：${median === undefined ? '—' : both(durationText(median))}；${both(T.p90)}：${p90 === undefined ? '—' : both(durationText(p90))}</p>
<h3>${both(T.accesses)}</h3>
<p>${both(T.served)} ${f(`${d}/accesses_served/total`)}（${both(T.byResource)}：${list(prefixed(d, 'accesses_served/by_resource/'), esc)}；${both(T.byCounterparty)}：${list(prefixed(d, 'accesses_served/by_reader/'), (k) => esc(name(k)))}）</p>
<p>${both(['访问他部门数据', 'Reads made'])} ${f(`${d}/accesses_made/total`)}（${both(T.byCounterparty)}：${list(prefixed(d, 'accesses_made/by_provider/'), (k) => esc(name(k)))}）；${both(T.ownData)} ${f(`${d}/accesses_own_data`)}</p>
<p class="${f(`${d}/accesses_refused/total`) > 0 ? 'warn' : ''}">${both(T.refused)}：${list(prefixed(d, 'accesses_refused/by_reason/'), esc)}</p>
<p>${both(T.refusedOnOwn)}：${list(prefixed(d, 'accesses_refused_on_own_data/by_reason/'), esc)}</p>
<h3>${both(T.certificates)}</h3>
<p>${(['issued', 'amended', 'transferred', 'revoked'] as const).map((k) => `${both(T[k])} ${f(`${d}/certificates/${k}`)}`).join('；')}</p>
</section>`;
  });

  // the period as days, `to` inclusive (the window ends at the next day's 00:00)
  const windowText = `${cstText(BigInt(report.window.fromMs)).slice(0, 10)} — ${cstText(BigInt(report.window.toMs) - 1n).slice(0, 10)}（UTC+8）`;
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(T.title[0])}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<style>
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:60em;color:#222;line-height:1.5}
html:not(.en) [lang="en"],html.en [lang="zh-CN"]{display:none}
html:not(.en) .l-en,html.en .l-zh-CN{display:none}
h1{font-size:1.6em;text-align:center;margin-bottom:.2em}h2{border-bottom:2px solid #2f6fb3;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}th{background:#eef3f9}
code{font-size:.8em;word-break:break-all}.muted{color:#777;font-size:.85em}.warn{color:#b3261e}
svg.chart{font-size:11px;font-family:inherit;margin:.5em 0}.meta td:first-child{width:11em}
#lang{position:fixed;top:1em;right:1em}
@page{size:A4;margin:18mm 15mm}
@media print{#lang{display:none}body{margin:0;max-width:none}section.dept{break-inside:avoid-page}h2{break-after:avoid}}
</style></head>
<body>
<button id="lang" type="button" onclick="document.documentElement.classList.toggle('en');document.documentElement.lang=document.documentElement.classList.contains('en')?'en':'zh-CN'">${both(T.switchLang)}</button>
<h1>${both(T.title)}</h1>
<p style="text-align:center">${both(T.window)}：${esc(windowText)}；${both(T.department)}：${report.window.department === null ? both(T.allDepartments) : esc(name(report.window.department))}</p>
<h2>${both(T.anchor)}</h2>
<table class="meta"><tbody>${anchorRows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('')}</tbody></table>
<p class="muted">${both(T.verify)}</p>
<h2>${both(T.ranking)}</h2>
${ranking}
<h2>${both(T.chartRequests)}</h2>
${requestsChart}
<h2>${both(T.chartDecisions)}</h2>
${decisionsChart}
<h2>${both(T.chartMatrix)}</h2>
${heatMap(report, name)}
${sections.join('\n')}
<p class="muted">${both(T.verificationsNote)}</p>
</body></html>
`;
}
