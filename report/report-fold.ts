/**
 * @module report/report-fold
 * The sharing performance report (政务信息资源共享绩效评估, issue 25) as one pure fold over the
 * committed chain: every included event, in chain order, with its record time and result code
 * (DESIGN.md sections 6 and 7). The CLI, the API and the auditor all compute the report here, so
 * that they cannot disagree: the auditor recomputes a published report and names the first figure
 * that differs.
 *
 * Every figure is an integer under a stable key (`<department>/<group>/<name>`), so a report
 * compares key by key, prints as CSV, and each count can list the event ids it counts
 * (`evidence`). Times are record times (the block's, never a producer's clock); durations are
 * integer milliseconds and percentiles are nearest-rank, so no floating point decides a figure.
 * The window is [fromMs, toMs): an event counts when its record time falls inside it; the state
 * it reads (who owns a resource, when a request was made) is built from every earlier event.
 */
import { toHex } from '../ledger/bytes.js';
import { resultName } from '../ledger/result-codes.js';
import { ShareType, type EventBody } from '../proto/schema.generated.js';

/** One included event as the report reads it. */
export interface ReportEvent {
  eventId: Uint8Array;
  height: bigint;
  recordTimeMs: bigint;
  departmentId: string;
  resultCode: number;
  body: EventBody;
}

export interface ReportWindow {
  /** First record time counted (ms since the epoch, inclusive). */
  fromMs: bigint;
  /** First record time not counted (exclusive). */
  toMs: bigint;
  /** Only this department's figures (the state still reads every department's events). */
  department?: string;
}

/** The committed header the report was computed at (the report's anchor). */
export interface ReportAnchor {
  height: string;
  headerHash: string;
  blockTimeMs: string;
  logSize: string;
  logRoot: string;
  stateRoot: string;
  genesisHash: string;
  channel: string;
  /** The quorum's vote signatures on that header: node index and hex signature. */
  signatures: Array<{ nodeIndex: number; signature: string }>;
}

export interface ResourceLine {
  resourceId: string;
  name: string;
  shareType: string;
  updateCycle: string;
  /** Days the declared cycle allows between versions; null when the cycle is not one of UPDATE_CYCLE_DAYS. */
  cycleDays: number | null;
  /** Record time of the last version published before the window's end; null when none. */
  lastVersionMs: string | null;
  /** Whole days from the last version (or the registration) to the window's end. */
  daysSinceLastVersion: number;
  /** True when that exceeds the cycle; null without a known cycle. */
  overdue: boolean | null;
}

export interface SharingReport {
  format: 'ledger-sharing-report/v1';
  window: { fromMs: string; toMs: string; department: string | null };
  anchor: ReportAnchor;
  /** Department id -> name, for every department the figures name (sorted by id). */
  departments: Array<{ id: string; name: string }>;
  /** Every figure, by key, keys in increasing order. */
  figures: Record<string, number>;
  /** Catalogue entries with their update freshness, per source department. */
  resources: Record<string, ResourceLine[]>;
  /** Provider -> reader -> accesses served in the window (the sharing matrix). */
  matrix: Record<string, Record<string, number>>;
  /** Departments by accesses served, then requests decided, then id. */
  ranking: Array<{ rank: number; departmentId: string; accessesServed: number; requestsDecided: number; requestsReceived: number; medianDecisionMs: number | null }>;
  /** Figure key -> the event ids (hex) it counts; only when asked for. */
  evidence?: Record<string, string[]>;
}

/**
 * Declared update cycles (the catalogue's free-text `update_cycle`) the report understands, in
 * days. 实时 (real time) is held to one day. Anything else is reported as "not stated".
 */
export const UPDATE_CYCLE_DAYS: Readonly<Record<string, number>> = Object.freeze({
  实时: 1,
  每日: 1,
  每周: 7,
  每月: 31,
  每季度: 92,
  每半年: 183,
  每年: 366,
});

const DAY_MS = 86_400_000n;

const SHARE_TYPE_NAME: Record<number, string> = {
  [ShareType.UNCONDITIONAL]: 'UNCONDITIONAL',
  [ShareType.CONDITIONAL]: 'CONDITIONAL',
  [ShareType.NOT_SHARED]: 'NOT_SHARED',
};

interface ResourceState {
  source: string;
  name: string;
  shareType: number;
  updateCycle: string;
  registeredMs: bigint;
  lastVersionMs: bigint | null;
}

interface RequestState {
  requester: string;
  resourceId: string;
  requestedMs: bigint;
  status: 'pending' | 'granted' | 'denied' | 'revoked';
  /** Whether the request itself was made inside the window. */
  inWindow: boolean;
}

/** The time-to-decide distribution's buckets (figure names), bounds inclusive. */
export const DECISION_BUCKETS = ['within_1d', 'within_7d', 'within_30d', 'over_30d'] as const;

function decisionBucket(ms: bigint): (typeof DECISION_BUCKETS)[number] {
  if (ms <= DAY_MS) return 'within_1d';
  if (ms <= 7n * DAY_MS) return 'within_7d';
  if (ms <= 30n * DAY_MS) return 'within_30d';
  return 'over_30d';
}

/** Nearest-rank percentile (p in whole percent) of sorted integers. */
export function nearestRank(sorted: readonly bigint[], p: number): bigint {
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100));
  return sorted[rank - 1]!;
}

export class ReportFold {
  private readonly names = new Map<string, string>();
  private readonly resources = new Map<string, ResourceState>();
  private readonly requests = new Map<string, RequestState>();
  private readonly decisions = new Map<string, bigint[]>();
  private readonly counts = new Map<string, number>();
  private readonly evidence: Map<string, string[]> | undefined;
  private readonly matrix = new Map<string, Map<string, number>>();
  private lastTime = -1n;

  constructor(
    readonly window: ReportWindow,
    opts: { evidence?: boolean; authorities?: Array<{ departmentId: string; name: string }> } = {},
  ) {
    if (window.toMs <= window.fromMs) throw new RangeError('the report window is empty (to must be after from)');
    this.evidence = opts.evidence ? new Map() : undefined;
    for (const a of opts.authorities ?? []) this.names.set(a.departmentId, a.name);
  }

  /** Folds one included event; events must come in chain order (record times never decrease). */
  add(e: ReportEvent): void {
    if (e.recordTimeMs < this.lastTime) throw new RangeError(`record times must not decrease (${e.recordTimeMs} after ${this.lastTime})`);
    this.lastTime = e.recordTimeMs;
    if (e.recordTimeMs >= this.window.toMs) return; // later events change nothing the report shows
    const inWindow = e.recordTimeMs >= this.window.fromMs;
    const ok = e.resultCode === 0;
    const b = e.body;
    const id = toHex(e.eventId);
    const dept = e.departmentId;
    const count = (department: string, key: string): void => {
      if (inWindow) this.count(department, key, id);
    };

    if (b.departmentRegistered) {
      if (ok) this.names.set(b.departmentRegistered.departmentId, b.departmentRegistered.name);
    } else if (b.resourceRegistered || b.resourceUpdated) {
      const p = (b.resourceRegistered ?? b.resourceUpdated)!;
      if (!ok) return;
      const old = this.resources.get(p.resourceId);
      this.resources.set(p.resourceId, {
        source: dept,
        name: p.name,
        shareType: p.shareType,
        updateCycle: p.updateCycle,
        registeredMs: old?.registeredMs ?? e.recordTimeMs,
        lastVersionMs: old?.lastVersionMs ?? null,
      });
      if (b.resourceRegistered) count(dept, `catalogue/registered/${SHARE_TYPE_NAME[p.shareType] ?? 'UNSPECIFIED'}`);
      else count(dept, 'catalogue/updated');
    } else if (b.resourceVersionPublished) {
      if (!ok) return;
      const r = this.resources.get(b.resourceVersionPublished.resourceId);
      if (r !== undefined) r.lastVersionMs = e.recordTimeMs;
      count(dept, 'catalogue/versions_published');
    } else if (b.shareRequested) {
      const p = b.shareRequested;
      if (!ok) return;
      const source = this.resources.get(p.resourceId)?.source;
      this.requests.set(p.requestId, { requester: dept, resourceId: p.resourceId, requestedMs: e.recordTimeMs, status: 'pending', inWindow });
      count(dept, 'requests_made/total');
      if (source !== undefined) count(source, 'requests_received/total');
    } else if (b.shareGranted || b.shareDenied) {
      const requestId = (b.shareGranted ?? b.shareDenied)!.requestId;
      const r = this.requests.get(requestId);
      if (!ok || r === undefined) return;
      r.status = b.shareGranted ? 'granted' : 'denied';
      if (inWindow) {
        count(dept, `requests_decided/${r.status}`);
        const took = e.recordTimeMs - r.requestedMs;
        const list = this.decisions.get(dept) ?? [];
        list.push(took);
        this.decisions.set(dept, list);
        count(dept, `requests_decided/${decisionBucket(took)}`);
      }
    } else if (b.shareRevoked) {
      const r = this.requests.get(b.shareRevoked.requestId);
      if (!ok || r === undefined) return;
      r.status = 'revoked';
      count(dept, 'grants_revoked');
    } else if (b.accessRecorded || b.exchangeRead) {
      // a read the reader recorded (AccessRecorded, signed by the reader), or one the provider's
      // exchange point served or refused (ExchangeRead, signed by the provider, naming the reader:
      // issue 21): the same figures, counted once, for the reader and the provider
      const p = (b.accessRecorded ?? b.exchangeRead)!;
      const reader = b.exchangeRead ? b.exchangeRead.granteeDepartmentId : dept;
      this.addRead(p.resourceId, reader, ok, e.resultCode, inWindow, count);
    } else if (b.certificateIssued || b.certificateAmended || b.certificateTransferred || b.certificateRevoked) {
      if (!ok) return;
      const kind = b.certificateIssued ? 'issued' : b.certificateAmended ? 'amended' : b.certificateTransferred ? 'transferred' : 'revoked';
      count(dept, `certificates/${kind}`);
    }
  }

  /** One read of `resourceId` by `reader`, served (ok) or refused with `resultCode`. */
  private addRead(resourceId: string, reader: string, ok: boolean, resultCode: number, inWindow: boolean, count: (department: string, key: string) => void): void {
    const provider = this.resources.get(resourceId)?.source;
    if (ok && provider === reader) {
      // a source reading its own data needs no grant; it is recorded, and kept apart
      count(reader, 'accesses_own_data');
    } else if (ok) {
      count(reader, 'accesses_made/total');
      count(reader, `accesses_made/by_resource/${resourceId}`);
      if (provider !== undefined) {
        count(provider, 'accesses_served/total');
        count(provider, `accesses_served/by_resource/${resourceId}`);
        count(provider, `accesses_served/by_reader/${reader}`);
        count(reader, `accesses_made/by_provider/${provider}`);
        if (inWindow && this.included(provider)) {
          const row = this.matrix.get(provider) ?? new Map<string, number>();
          row.set(reader, (row.get(reader) ?? 0) + 1);
          this.matrix.set(provider, row);
        }
      }
    } else {
      // the insider-misuse signals: reads the rules (or the provider's exchange point) refused, by reason
      const reasonName = resultName(resultCode) ?? `CODE_${resultCode}`;
      count(reader, `accesses_refused/total`);
      count(reader, `accesses_refused/by_reason/${reasonName}`);
      if (provider !== undefined) count(provider, `accesses_refused_on_own_data/by_reason/${reasonName}`);
    }
  }

  private included(department: string): boolean {
    return this.window.department === undefined || this.window.department === department;
  }

  private count(department: string, key: string, eventId: string): void {
    if (!this.included(department)) return;
    const full = `${department}/${key}`;
    this.counts.set(full, (this.counts.get(full) ?? 0) + 1);
    if (this.evidence !== undefined) {
      const list = this.evidence.get(full) ?? [];
      list.push(eventId);
      this.evidence.set(full, list);
    }
  }

  /** The report, as of the end of the window, anchored at `anchor`. */
  result(anchor: ReportAnchor): SharingReport {
    const figures = new Map(this.counts);
    const set = (k: string, v: number): void => {
      figures.set(k, v);
    };
    // requests still pending / granted / denied / revoked at the window's end, of those made in it
    for (const r of this.requests.values()) {
      if (!r.inWindow) continue;
      const source = this.resources.get(r.resourceId)?.source;
      if (this.included(r.requester)) set(`${r.requester}/requests_made/${r.status}`, (figures.get(`${r.requester}/requests_made/${r.status}`) ?? 0) + 1);
      if (source !== undefined && this.included(source)) set(`${source}/requests_received/${r.status}`, (figures.get(`${source}/requests_received/${r.status}`) ?? 0) + 1);
    }
    for (const [dept, list] of this.decisions) {
      if (!this.included(dept)) continue;
      const sorted = [...list].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      set(`${dept}/requests_decided/median_ms`, Number(nearestRank(sorted, 50)));
      set(`${dept}/requests_decided/p90_ms`, Number(nearestRank(sorted, 90)));
    }
    const resources: Record<string, ResourceLine[]> = {};
    const sortedResources = [...this.resources.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [resourceId, r] of sortedResources) {
      if (!this.included(r.source) || r.registeredMs >= this.window.toMs) continue;
      const since = r.lastVersionMs ?? r.registeredMs;
      const days = Number((this.window.toMs - since) / DAY_MS);
      const cycleDays = UPDATE_CYCLE_DAYS[r.updateCycle] ?? null;
      const line: ResourceLine = {
        resourceId,
        name: r.name,
        shareType: SHARE_TYPE_NAME[r.shareType] ?? 'UNSPECIFIED',
        updateCycle: r.updateCycle,
        cycleDays,
        lastVersionMs: r.lastVersionMs === null ? null : r.lastVersionMs.toString(),
        daysSinceLastVersion: days,
        overdue: cycleDays === null ? null : days > cycleDays,
      };
      (resources[r.source] ??= []).push(line);
      set(`${r.source}/catalogue/resources/${resourceId}/days_since_last_version`, days);
      if (line.overdue === true) set(`${r.source}/catalogue/overdue`, (figures.get(`${r.source}/catalogue/overdue`) ?? 0) + 1);
    }

    const keys = [...figures.keys()].sort();
    const figureObject: Record<string, number> = {};
    for (const k of keys) figureObject[k] = figures.get(k)!;

    const named = new Set<string>();
    for (const k of keys) named.add(k.slice(0, k.indexOf('/')));
    for (const [p, row] of this.matrix) {
      named.add(p);
      for (const r of row.keys()) named.add(r);
    }
    const departments = [...named].sort().map((id) => ({ id, name: this.names.get(id) ?? '' }));

    const matrix: Record<string, Record<string, number>> = {};
    for (const p of [...this.matrix.keys()].sort()) {
      const row = this.matrix.get(p)!;
      matrix[p] = {};
      for (const r of [...row.keys()].sort()) matrix[p][r] = row.get(r)!;
    }

    const fig = (k: string): number => figureObject[k] ?? 0;
    const ranking = departments
      .map((d) => ({
        departmentId: d.id,
        accessesServed: fig(`${d.id}/accesses_served/total`),
        requestsDecided: fig(`${d.id}/requests_decided/granted`) + fig(`${d.id}/requests_decided/denied`),
        requestsReceived: fig(`${d.id}/requests_received/total`),
        medianDecisionMs: figureObject[`${d.id}/requests_decided/median_ms`] ?? null,
      }))
      .filter((d) => this.included(d.departmentId))
      .sort((a, b) => b.accessesServed - a.accessesServed || b.requestsDecided - a.requestsDecided || (a.departmentId < b.departmentId ? -1 : 1))
      .map((d, i) => ({ rank: i + 1, ...d }));

    const report: SharingReport = {
      format: 'ledger-sharing-report/v1',
      window: { fromMs: this.window.fromMs.toString(), toMs: this.window.toMs.toString(), department: this.window.department ?? null },
      anchor,
      departments,
      figures: figureObject,
      resources,
      matrix,
      ranking,
    };
    if (this.evidence !== undefined) {
      const ev: Record<string, string[]> = {};
      for (const k of [...this.evidence.keys()].sort()) ev[k] = this.evidence.get(k)!;
      report.evidence = ev;
    }
    return report;
  }
}

/** The first figure that differs between a published report and a recomputed one, or undefined. */
export function firstDifferentFigure(published: SharingReport, recomputed: SharingReport): { key: string; published: number | undefined; recomputed: number | undefined } | undefined {
  const keys = [...new Set([...Object.keys(published.figures), ...Object.keys(recomputed.figures)])].sort();
  for (const key of keys) {
    const a = published.figures[key];
    const b = recomputed.figures[key];
    if (a !== b) return { key, published: a, recomputed: b };
  }
  return undefined;
}
