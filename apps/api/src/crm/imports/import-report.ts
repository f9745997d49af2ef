import { ImportsService, ReportLine } from '@keyport/crm/import';
import { Actor } from '@keyport/users';
import type { FastifyReply } from 'fastify';
import { Column, streamExport } from '../../common/export';
import { Lang, PageRenderer } from '../../pages/page-renderer';
import { ImportTexts } from './import-texts';

/**
 * The per-line report as CSV, streamed: line number, status and explanation in the reader's language,
 * then the line's own columns under the format's names (so fixed lines can be imported again). Cells are
 * neutralised against spreadsheet formulas by streamExport.
 */
export async function sendImportReport(reply: FastifyReply, imports: ImportsService, pages: PageRenderer, lang: Lang, actor: Actor, id: string): Promise<void> {
  const { importView, columns, lines } = await imports.report(actor, id);
  const texts = new ImportTexts(pages, lang);
  const t = (key: string) => pages.t(lang, `imports.${key}`);
  const report: Column<ReportLine>[] = [
    { header: t('reportRow'), value: (l) => l.row },
    { header: t('reportStatus'), value: (l) => t(`rowStatus.${l.status}`) },
    { header: t('reportReason'), value: (l) => texts.reasons(l.reasons) },
    ...columns.map((c) => ({ header: c, value: (l: ReportLine) => l.values[c] ?? '' })),
  ];
  const base = importView.fileName.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_').slice(0, 80) || 'import';
  await streamExport(reply, 'csv', `${base}-report`, report, lines);
}
