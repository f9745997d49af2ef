import { ProgressSnapshot, resolvePeriod, TargetsService } from '@keyport/targets';
import { Injectable } from '@nestjs/common';
import ExcelJS from 'exceljs';
import { DataSource } from 'typeorm';
import { neutraliseCell } from '../../common/export';
import type { Lang } from '../../pages/page-renderer';
import {
  breakdownView, byLine, displayPace, figureView, municipalityLabel, MUNICIPALITY_COLUMNS, numberFormat, periodQuery, titleOf, Translate,
} from './target-views';

type SnapshotTarget = ProgressSnapshot['targets'][number];
type SnapshotEvent = ProgressSnapshot['eventsHeld'][number];

/**
 * A quarter's report before it is issued: the same figures ProgressReportsService freezes when issuing
 * (targets with pace, per-municipality figures, events held in the quarter), computed live, so the
 * organiser sees the draft exactly as it will be archived.
 */
@Injectable()
export class ReportDrafts {
  constructor(
    private readonly targets: TargetsService,
    private readonly dataSource: DataSource,
  ) {}

  async draft(year: number, quarter: number, asOf = new Date()): Promise<ProgressSnapshot> {
    const period = resolvePeriod({ year, quarter });
    const figures = await this.targets.listForYear(year, { year, quarter }, asOf);
    const targets = await Promise.all(
      figures.map(async (f) => ({
        id: f.id, programmeLine: f.programmeLine, key: f.key, title: f.title, titleEn: f.titleEn, target: f.target, metric: f.metric,
        value: f.value, baseline: f.baseline, attendance: f.attendance, pace: f.pace,
        municipalities: await this.targets.breakdown(f.id, { year, quarter }),
      })),
    );
    const eventsHeld: SnapshotEvent[] = await this.dataSource.query(
      `SELECT e.id, e.title, e.format, e.starts_at AS "startsAt", e.municipality FROM events e
        WHERE e.status = 'held' AND e.starts_at >= $1 AND e.starts_at < $2 ORDER BY e.starts_at, e.id`,
      [period.startsAt, period.endsAt],
    );
    const { kind, label, start, end, startsAt, endsAt } = period;
    // As stored: through JSON, so a draft and an issued report are shown by the same code.
    return JSON.parse(JSON.stringify({ period: { kind, label, start, end, startsAt, endsAt }, targets, eventsHeld }));
  }
}

/** A report (draft or issued) as the printable page shows it. */
export function reportView(snapshot: ProgressSnapshot, year: number, quarter: number, lang: Lang, t: Translate, linkFigures: boolean) {
  const n = numberFormat(lang);
  const query = periodQuery(year, quarter);
  const figures = snapshot.targets.map((s) => figureView(s, lang, t, linkFigures ? `/dashboard/targets/${s.id}?${query}` : undefined));
  const brokenDown = snapshot.targets.filter((s) => s.municipalities.length);
  return {
    lines: byLine(figures, t),
    municipalityHeads: MUNICIPALITY_COLUMNS.map((m) => municipalityLabel(m, t)),
    municipalityRows: brokenDown.map((s) => {
      const view = breakdownView(s.municipalities, s.value, lang, t);
      return { title: titleOf(s, lang), line: t(`targets.lines.${s.programmeLine}`), cells: view.rows.map((r) => r.valueText), totalText: view.sumText };
    }),
    events: snapshot.eventsHeld.map((e) => ({
      id: e.id,
      title: e.title,
      startsAt: e.startsAt,
      formatText: t(`events.formats.${e.format}`),
      municipality: e.municipality ?? '–',
    })),
    counts: {
      targets: snapshot.targets.length,
      achieved: snapshot.targets.filter((s) => s.pace.status === 'achieved').length,
      onPace: snapshot.targets.filter((s) => ['achieved', 'on_track'].includes(s.pace.status)).length,
      events: n(snapshot.eventsHeld.length),
    },
  };
}

/** The report as a workbook: sheets Targets, Municipalities, Events and Highlights. */
export async function reportWorkbook(
  report: { year: number; quarter: number; highlights: string; issuedAt: Date | string | null; issuedByName: string | null },
  snapshot: ProgressSnapshot,
  lang: Lang,
  t: Translate,
): Promise<Buffer> {
  const cell = (v: unknown) => (typeof v === 'string' ? neutraliseCell(v) : (v ?? null));
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Keyport Platform';
  workbook.title = t('targets.report.title', { quarter: report.quarter, year: report.year });
  const sheet = (name: string, headers: string[], rows: unknown[][], widths: number[] = []) => {
    const ws = workbook.addWorksheet(name);
    ws.addRow(headers).font = { bold: true };
    for (const row of rows) ws.addRow(row.map(cell));
    ws.columns.forEach((c, i) => (c.width = widths[i] ?? 16));
    ws.views = [{ state: 'frozen', ySplit: 1 }];
    return ws;
  };

  sheet(
    'Targets',
    [t('targets.xlsx.line'), t('targets.xlsx.key'), t('targets.xlsx.target'), t('targets.xlsx.goal'), t('targets.xlsx.value'), t('targets.xlsx.baseline'),
      t('targets.xlsx.expected'), t('targets.xlsx.progress'), t('targets.xlsx.pace'), t('targets.xlsx.registered'), t('targets.xlsx.noShow'), t('targets.xlsx.metric')],
    snapshot.targets.map((s: SnapshotTarget) => [
      t(`targets.lines.${s.programmeLine}`), s.key, titleOf(s, lang), s.target, s.value, s.baseline, s.pace.expected,
      s.pace.progress === null ? null : Math.round(s.pace.progress * 1000) / 10, t(`targets.pace.${displayPace(s)}`),
      s.attendance?.registered ?? null, s.attendance?.noShow ?? null, t(`targets.metrics.${s.metric}`),
    ]),
    [24, 36, 60, 12, 12, 12, 12, 12, 20, 12, 12, 36],
  );
  sheet(
    'Municipalities',
    [t('targets.xlsx.target'), ...MUNICIPALITY_COLUMNS.map((m) => municipalityLabel(m, t)), t('targets.xlsx.total')],
    snapshot.targets.filter((s) => s.municipalities.length).map((s) => [
      titleOf(s, lang),
      ...MUNICIPALITY_COLUMNS.map((m) => s.municipalities.find((x) => x.municipality === m)?.value ?? 0),
      s.municipalities.reduce((sum, x) => sum + x.value, 0),
    ]),
    [60, ...MUNICIPALITY_COLUMNS.map(() => 14), 12],
  );
  sheet(
    'Events',
    [t('targets.xlsx.date'), t('targets.xlsx.event'), t('targets.xlsx.format'), t('targets.xlsx.municipality'), t('targets.xlsx.id')],
    snapshot.eventsHeld.map((e) => [new Date(e.startsAt), e.title, t(`events.formats.${e.format}`), e.municipality ?? '', e.id]),
    [20, 50, 24, 18, 38],
  ).getColumn(1).numFmt = 'yyyy-mm-dd hh:mm';
  const highlights = sheet(
    'Highlights',
    [t('targets.xlsx.highlights')],
    [
      ...report.highlights.split(/\r?\n/).map((line) => [line]),
      [''],
      [t('targets.xlsx.issued', { at: report.issuedAt ? new Date(report.issuedAt).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '–', by: report.issuedByName ?? '–' })],
    ],
    [120],
  );
  highlights.getColumn(1).alignment = { wrapText: true, vertical: 'top' };
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
