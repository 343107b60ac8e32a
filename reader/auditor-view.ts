/**
 * @module reader/auditor-view
 * The auditor's view: the chain growing live over the API's ws stream (`/v1/stream`, one
 * `{type:'header', ...}` message per committed block), per-department counts of events,
 * rejections and accesses (`/v1/stats/departments`), and the latest co-signed checkpoint
 * (`/checkpoint`, a C2SP signed note). The stream starts at the last blocks (`?from=`, after
 * `/v1/head`) so the table is full at once. Read-only; reconnects with a capped backoff.
 */
import { byId, fill, h } from './dom.js';
import { t, timeText, type Lang } from './i18n.js';

/** Headers kept on screen. */
const KEEP_HEADERS = 20;
/** Stats and checkpoint are refetched at most this often while blocks arrive. */
const REFRESH_MS = 2_000;
/** Untrusted stream messages larger than this are ignored. */
const MAX_MESSAGE_CHARS = 64 * 1024;

interface HeaderMessage {
  height: string;
  headerHash: string;
  logSize: string;
  blockTimeMs: string;
  eventCount: string;
}

interface DepartmentStats {
  id: string;
  name: string;
  events: string;
  rejections: string;
  accesses: string;
}

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' ? String(v) : '');

/** A header message from the stream, or undefined for anything else. */
export function parseHeaderMessage(text: string): HeaderMessage | undefined {
  if (text.length > MAX_MESSAGE_CHARS) return undefined;
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (m === null || typeof m !== 'object' || m.type !== 'header' || !/^\d{1,20}$/.test(str(m.height))) return undefined;
  return { height: str(m.height), headerHash: str(m.headerHash), logSize: str(m.logSize), blockTimeMs: str(m.blockTimeMs), eventCount: str(m.eventCount) };
}

/** Per-department rows from `/v1/stats/departments` (an array, or `{ departments | items: [...] }`). */
export function parseStats(body: unknown): DepartmentStats[] {
  const b = body as Record<string, unknown> | unknown[] | null;
  const list = Array.isArray(b) ? b : Array.isArray(b?.departments) ? (b.departments as unknown[]) : Array.isArray(b?.items) ? (b.items as unknown[]) : [];
  return list
    .filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object')
    .map((x) => ({
      id: str(x.departmentId ?? x.department ?? x.id),
      name: str(x.name),
      events: str(x.events ?? x.eventCount ?? x.included ?? 0),
      rejections: str(x.rejections ?? x.rejected ?? 0),
      accesses: str(x.accesses ?? x.accessCount ?? 0),
    }));
}

export interface AuditorView {
  render(lang: Lang): void;
  /** Connects the stream and loads the stats (idempotent). */
  start(): void;
}

export function mountAuditorView(root: HTMLElement, getLang: () => Lang): AuditorView {
  const headers: HeaderMessage[] = [];
  let stats: DepartmentStats[] = [];
  /** The node refused the counts (401/403: the signed API mode): say why instead of "no data". */
  let statsRefused = false;
  let checkpoint = '';
  let connected = false;
  let started = false;
  let lastRefresh = 0;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;

  root.replaceChildren(
    h(
      'section',
      { class: 'card' },
      h('h2', {}, h('span', { 'data-i18n': 'chainLive' }), ' ', h('span', { id: 'stream-status', class: 'badge', 'data-testid': 'stream-status' })),
      h('table', { class: 'list', 'data-testid': 'headers' }, h('thead', { id: 'headers-head' }), h('tbody', { id: 'headers-body' })),
    ),
    h('section', { class: 'card' }, h('h2', { 'data-i18n': 'departments' }), h('table', { class: 'list', 'data-testid': 'stats' }, h('thead', { id: 'stats-head' }), h('tbody', { id: 'stats-body' }))),
    h('section', { class: 'card' }, h('h2', { 'data-i18n': 'checkpoint' }), h('pre', { id: 'checkpoint', class: 'note', 'data-testid': 'checkpoint' })),
  );

  async function refresh(): Promise<void> {
    lastRefresh = Date.now();
    try {
      const r = await fetch('/v1/stats/departments');
      if (r.ok) stats = parseStats(await r.json());
      // a node in the signed API mode (issue 22) keeps the counts for the auditor's signed requests
      statsRefused = r.status === 401 || r.status === 403;
    } catch {
      /* shown as no data */
    }
    try {
      const r = await fetch('/checkpoint');
      if (r.ok) checkpoint = (await r.text()).slice(0, MAX_MESSAGE_CHARS);
    } catch {
      /* shown as none */
    }
    render(getLang());
  }

  function scheduleRefresh(): void {
    if (refreshTimer !== undefined) return;
    const wait = Math.max(0, REFRESH_MS - (Date.now() - lastRefresh));
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      void refresh();
    }, wait);
  }

  /** The height to stream from: after the last header shown, else the last KEEP_HEADERS blocks (`/v1/head`). */
  async function fromHeight(): Promise<bigint> {
    if (headers.length > 0) return BigInt(headers[0]!.height) + 1n;
    try {
      const r = await fetch('/v1/head');
      const head = r.ok ? BigInt(str(((await r.json()) as Record<string, unknown>).height) || '0') : 0n;
      return head > BigInt(KEEP_HEADERS) ? head - BigInt(KEEP_HEADERS) + 1n : 1n;
    } catch {
      return 1n;
    }
  }

  async function connect(backoffMs: number): Promise<void> {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/stream?from=${await fromHeight()}`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      setTimeout(() => void connect(Math.min(backoffMs * 2, 10_000)), backoffMs);
      return;
    }
    ws.onopen = () => {
      connected = true;
      backoffMs = 500;
      render(getLang());
    };
    ws.onmessage = (ev) => {
      const m = typeof ev.data === 'string' ? parseHeaderMessage(ev.data) : undefined;
      if (!m) return;
      if (headers.length > 0 && BigInt(headers[0]!.height) >= BigInt(m.height)) return;
      headers.unshift(m);
      headers.length = Math.min(headers.length, KEEP_HEADERS);
      render(getLang());
      scheduleRefresh();
    };
    ws.onclose = () => {
      connected = false;
      render(getLang());
      setTimeout(() => void connect(Math.min(backoffMs * 2, 10_000)), backoffMs);
    };
  }

  function render(lang: Lang): void {
    const status = byId('stream-status');
    status.textContent = t(lang, connected ? 'connected' : 'disconnected');
    status.className = `badge ${connected ? 'ok' : 'warn'}`;
    fill(byId('headers-head'), h('tr', {}, ...(['height', 'events', 'logSize', 'time', 'hash'] as const).map((k) => h('th', {}, t(lang, k)))));
    fill(
      byId('headers-body'),
      ...(headers.length === 0
        ? [h('tr', {}, h('td', { colspan: '5' }, t(lang, 'noData')))]
        : headers.map((x) => h('tr', { 'data-height': x.height }, h('td', {}, x.height), h('td', {}, x.eventCount), h('td', {}, x.logSize), h('td', {}, x.blockTimeMs ? timeText(lang, Number(x.blockTimeMs)) : ''), h('td', {}, h('code', { class: 'hash' }, x.headerHash.slice(0, 16)))))),
    );
    fill(byId('stats-head'), h('tr', {}, ...(['department', 'eventsCount', 'rejections', 'accesses'] as const).map((k) => h('th', {}, t(lang, k)))));
    fill(
      byId('stats-body'),
      ...(stats.length === 0
        ? [h('tr', {}, h('td', { colspan: '4' }, t(lang, statsRefused ? 'statsNeedAuditor' : 'noData')))]
        : stats.map((s) => h('tr', { 'data-department': s.id }, h('td', {}, s.name ? `${s.name} (${s.id})` : s.id), h('td', {}, s.events), h('td', { class: s.rejections !== '0' ? 'warn' : '' }, s.rejections), h('td', {}, s.accesses)))),
    );
    byId('checkpoint').textContent = checkpoint || t(lang, 'noCheckpoint');
  }

  return {
    render,
    start() {
      if (started) return;
      started = true;
      void connect(500);
      void refresh();
    },
  };
}
