import { KEYPORT_MUNICIPALITIES } from '@keyport/crm';
import {
  amsterdamDate, amsterdamMidnight, ATTENDANCE_METRICS, DrillDownItem, Metric, MonthlyPoint, MunicipalityFigure, OUTSIDE, pace, Pace, PaceStatus, Period,
  PeriodInput, PlanSummary, TargetFigure,
} from '@keyport/targets';
import { Column } from '../../common/export';
import type { Lang } from '../../pages/page-renderer';

export type Translate = (key: string, args?: Record<string, unknown>) => string;

/** The programme lines in the plan's order (as TARGET_ORDER in the library). */
export const LINE_ORDER = ['innovation', 'entrepreneurship', 'labour_market', 'communication', 'project_development'];

/** Every municipality column of a breakdown: the seven funders, then outside the region or unknown. */
export const MUNICIPALITY_COLUMNS: string[] = [...KEYPORT_MUNICIPALITIES, OUTSIDE];

/**
 * The pace as shown: the library's status, with "ahead" split off "on track" when the figure is at
 * least 10% past where it should be by now. Always shown as text as well as by colour.
 */
export type DisplayPace = PaceStatus | 'ahead';
export const AHEAD_FROM = 1.1;

/** What a target figure needs to be shown (a live TargetFigure or a report's snapshot row). */
export interface FigureLike {
  id: string;
  programmeLine: string;
  title: string;
  titleEn: string | null;
  target: number;
  metric: Metric;
  value: number | null;
  baseline: number | null;
  attendance: { registered: number; attended: number; noShow: number } | null;
  pace: Pick<Pace, 'expected' | 'elapsedShare' | 'progress' | 'status'>;
}

export function displayPace(f: FigureLike): DisplayPace {
  const status = f.pace.status;
  if (status !== 'on_track' || f.value === null) return status;
  const base = f.baseline ?? 0;
  const expected = f.pace.expected - base;
  return expected > 0 && f.value - base >= expected * AHEAD_FROM ? 'ahead' : status;
}

export function numberFormat(lang: Lang): (n: number | null | undefined) => string {
  const format = new Intl.NumberFormat(lang === 'nl' ? 'nl-NL' : 'en-GB', { maximumFractionDigits: 1 });
  return (n) => (n === null || n === undefined || Number.isNaN(n) ? '–' : format.format(n));
}

export const titleOf = (f: { title: string; titleEn: string | null }, lang: Lang): string => (lang === 'en' && f.titleEn ? f.titleEn : f.title);

export const municipalityLabel = (name: string, t: Translate): string => (name === OUTSIDE ? t('targets.municipalities.outside') : name);

export function periodLabel(period: { year: number; quarter?: number }, t: Translate): string {
  return period.quarter ? t('targets.period.quarter', { quarter: period.quarter, year: period.year }) : t('targets.period.year', { year: period.year });
}

/** ?year=2018&quarter=2 (quarter left out for the whole year). */
export function periodQuery(year: number, quarter?: number): string {
  return `year=${year}${quarter ? `&quarter=${quarter}` : ''}`;
}

const clamp = (n: number) => Math.max(0, Math.min(100, Math.round(n * 10) / 10));

/** A target figure as the dashboard, the detail page and the report show it. */
export function figureView(f: FigureLike, lang: Lang, t: Translate, link?: string) {
  const n = numberFormat(lang);
  const status = displayPace(f);
  const base = f.baseline ?? 0;
  const span = f.target - base;
  const barPct = f.value === null ? 0 : clamp(span > 0 ? ((f.value - base) / span) * 100 : f.value >= f.target ? 100 : 0);
  const markerPct = clamp(span > 0 ? ((f.pace.expected - base) / span) * 100 : 0);
  const percent = f.pace.progress === null ? null : Math.round(f.pace.progress * 100);
  const attendance = f.attendance && ATTENDANCE_METRICS.includes(f.metric) ? f.attendance : null;
  const statusText = t(`targets.pace.${status}`);
  return {
    id: f.id,
    title: titleOf(f, lang),
    line: f.programmeLine,
    metric: f.metric,
    metricText: t(`targets.metrics.${f.metric}`),
    value: f.value,
    valueText: n(f.value),
    targetText: n(f.target),
    baseline: f.baseline,
    baselineText: f.baseline === null ? null : n(f.baseline),
    expectedText: n(f.pace.expected),
    percentText: percent === null ? '–' : `${percent}%`,
    status,
    statusText,
    barPct,
    markerPct,
    barLabel: t('targets.bar', { value: n(f.value), target: n(f.target), percent: percent === null ? '–' : percent, expected: n(f.pace.expected), status: statusText }),
    attendance: attendance ? { registered: n(attendance.registered), attended: n(attendance.attended), noShow: n(attendance.noShow) } : null,
    href: link,
  };
}

export type FigureView = ReturnType<typeof figureView>;

/** Figures grouped by programme line, in the plan's order. */
export function byLine<T extends { line: string }>(figures: T[], t: Translate): { line: string; lineText: string; targets: T[] }[] {
  const lines = [...new Set([...LINE_ORDER.filter((l) => figures.some((f) => f.line === l)), ...figures.map((f) => f.line)])];
  return lines.map((line) => ({ line, lineText: t(`targets.lines.${line}`), targets: figures.filter((f) => f.line === line) }));
}

/** The year to show when none is asked for: this year's plan, else the latest before it, else the newest. */
export function defaultYear(plans: PlanSummary[], now = new Date()): number | undefined {
  const thisYear = Number(amsterdamDate(now).slice(0, 4));
  const years = plans.map((p) => p.year).sort((a, b) => b - a);
  return years.find((y) => y === thisYear) ?? years.find((y) => y < thisYear) ?? years[0];
}

/** The quarter of today in Amsterdam. */
export function currentQuarter(now = new Date()): { year: number; quarter: number } {
  const [y, m] = amsterdamDate(now).split('-').map(Number);
  return { year: y, quarter: Math.ceil(m / 3) };
}

/**
 * The chart's points: the figure month by month (cumulative) and where it should have been at each
 * month's end (the pace line). Months that have not begun yet, after the last one anything counted in,
 * have no figure (the line stops at today instead of running flat into the future).
 */
export function chartPoints(f: TargetFigure, points: MonthlyPoint[], period: Period, lang: Lang, now = new Date()) {
  const n = numberFormat(lang);
  const monthName = new Intl.DateTimeFormat(lang === 'nl' ? 'nl-NL' : 'en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
  // The last month anything counted in (records can be dated ahead, e.g. a check-in at a planned event).
  const lastCounted = points.reduce((last, p, i) => ((p.added === null ? p.value !== null : p.added > 0) ? i : last), -1);
  return points.map((p, i) => {
    const [y, m] = p.month.split('-').map(Number);
    const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
    const monthEnd = amsterdamMidnight(next < period.end ? next : period.end);
    const started = i <= lastCounted || amsterdamMidnight(`${p.month}-01`).getTime() <= now.getTime();
    const expected = pace({ target: f.target, baseline: f.baseline, value: 0 }, period, f.year, monthEnd).expected;
    const value = started ? p.value : null;
    return {
      month: p.month,
      label: monthName.format(new Date(Date.UTC(y, m - 1, 1))),
      value,
      valueText: n(value),
      added: started ? p.added : null,
      addedText: started && p.added !== null ? n(p.added) : '–',
      expected,
      expectedText: n(expected),
    };
  });
}

export function breakdownView(rows: MunicipalityFigure[], total: number | null, lang: Lang, t: Translate) {
  const n = numberFormat(lang);
  const sum = rows.reduce((s, r) => s + r.value, 0);
  return {
    rows: rows.map((r) => ({
      name: municipalityLabel(r.municipality, t),
      inRegion: r.inRegion,
      valueText: n(r.value),
      itemsText: n(r.items),
      shareText: sum > 0 ? `${Math.round((r.value / sum) * 100)}%` : '–',
    })),
    sumText: n(sum),
    adds: total === null ? true : sum === total,
  };
}

/** What a drill-down row links to, and the records behind it that have a page of their own. */
export function drillItemView(item: DrillDownItem, metric: Metric, lang: Lang, t: Translate) {
  const n = numberFormat(lang);
  const d = item.detail ?? {};
  const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
  const links: { href: string; text: string }[] = [];
  let href: string | null = null;
  switch (item.kind) {
    case 'organisation':
      href = `/crm/organisations/${item.id}`;
      break;
    case 'person':
      href = d.erased ? null : `/crm/contacts/${item.id}`;
      if (str(d.organisationId)) links.push({ href: `/crm/organisations/${d.organisationId}`, text: str(d.organisationName) ?? t('targets.drill.organisation') });
      break;
    case 'group':
      if (str(d.eventId)) links.push({ href: `/manage/events/${d.eventId}`, text: str(d.eventTitle) ?? t('targets.drill.event') });
      if (str(d.organisationId)) links.push({ href: `/crm/organisations/${d.organisationId}`, text: str(d.organisationName) ?? t('targets.drill.organisation') });
      break;
    case 'event':
      href = `/manage/events/${item.id}`;
      break;
    case 'question':
      href = `/crm/questions/${item.id}`;
      if (str(d.organisationId)) links.push({ href: `/crm/organisations/${d.organisationId}`, text: str(d.organisationName) ?? t('targets.drill.organisation') });
      break;
    case 'support_record':
      href = `/crm/support/${item.id}`;
      break;
    case 'progress_report':
      href = `/reports/${item.id}`;
      break;
    default:
      break;
  }
  // The records that made an organisation count, where they have a page: its visits or support records.
  const recordPath = metric === 'organisations_visited' ? '/crm/visits/' : metric === 'organisations_supported' ? '/crm/support/' : null;
  const records = recordPath ? item.recordIds.map((id, i) => ({ href: `${recordPath}${id}`, text: t(metric === 'organisations_visited' ? 'targets.drill.visitN' : 'targets.drill.supportN', { n: i + 1 }) })) : [];
  return {
    kind: item.kind,
    kindText: t(`targets.kinds.${item.kind}`),
    name: item.name,
    href,
    municipality: item.kind === 'manual_figure' || item.kind === 'progress_report' ? '–' : municipalityLabel(item.municipality, t),
    at: item.at,
    count: item.count,
    countText: n(item.count),
    links,
    records,
  };
}

/** Where a drill-down row points to (for the export): the page of the record, or empty. */
export function itemPath(item: DrillDownItem): string {
  const d = item.detail ?? {};
  switch (item.kind) {
    case 'organisation': return `/crm/organisations/${item.id}`;
    case 'person': return d.erased ? '' : `/crm/contacts/${item.id}`;
    case 'event': return `/manage/events/${item.id}`;
    case 'group': return typeof d.eventId === 'string' ? `/manage/events/${d.eventId}` : '';
    case 'question': return `/crm/questions/${item.id}`;
    case 'support_record': return `/crm/support/${item.id}`;
    case 'progress_report': return `/reports/${item.id}`;
    default: return '';
  }
}

/** The columns of a drill-down export: the whole list, one row per counted unit. */
export function drillColumns(t: Translate, baseUrl: string): Column<DrillDownItem>[] {
  return [
    { header: t('targets.export.kind'), value: (i) => t(`targets.kinds.${i.kind}`) },
    { header: t('targets.export.id'), value: (i) => i.id },
    { header: t('targets.export.name'), value: (i) => i.name },
    { header: t('targets.export.municipality'), value: (i) => (i.kind === 'manual_figure' || i.kind === 'progress_report' ? '' : municipalityLabel(i.municipality, t)) },
    { header: t('targets.export.organisation'), value: (i) => (typeof i.detail?.organisationName === 'string' ? i.detail.organisationName : '') },
    { header: t('targets.export.event'), value: (i) => (typeof i.detail?.eventTitle === 'string' ? i.detail.eventTitle : '') },
    { header: t('targets.export.at'), value: (i) => i.at ?? null },
    { header: t('targets.export.count'), value: (i) => i.count },
    { header: t('targets.export.records'), value: (i) => i.recordIds.join(' ') },
    { header: t('targets.export.link'), value: (i) => { const p = itemPath(i); return p ? `${baseUrl}${p}` : ''; } },
  ];
}

export async function* iterate<T>(rows: T[]): AsyncIterable<T> {
  for (const row of rows) yield row;
}

export type { PeriodInput };
