import { SupportRecordSummary } from '@keyport/crm/support';
import type { FastifyReply } from 'fastify';
import { Column, ExportFormat, streamExport } from '../../common/export';
import { Lang, PageRenderer } from '../../pages/page-renderer';

/** One row per support record, with its organisations' names and municipalities joined. */
export function supportColumns(pages: PageRenderer, lang: Lang): Column<SupportRecordSummary>[] {
  const t = (key: string) => pages.t(lang, key);
  return [
    { header: t('support.fields.id'), value: (r) => r.id },
    { header: t('support.fields.title'), value: (r) => r.title },
    { header: t('support.fields.kind'), value: (r) => t(`support.kinds.${r.kind}`) },
    { header: t('support.fields.programmeLine'), value: (r) => t(`support.lines.${r.programmeLine}`) },
    { header: t('support.fields.startedOn'), value: (r) => r.startedOn },
    { header: t('support.fields.endedOn'), value: (r) => r.endedOn },
    { header: t('support.fields.organisations'), value: (r) => r.organisations.map((o) => o.name).join('; ') },
    { header: t('support.fields.municipalities'), value: (r) => [...new Set(r.organisations.map((o) => o.municipality).filter(Boolean))].join('; ') },
    { header: t('support.fields.organisationCount'), value: (r) => r.organisations.length },
    { header: t('support.fields.contactCount'), value: (r) => r.contactCount },
    { header: t('support.fields.notes'), value: (r) => r.notes },
  ];
}

export function exportSupportRecords(reply: FastifyReply, pages: PageRenderer, lang: Lang, format: ExportFormat, rows: AsyncIterable<SupportRecordSummary>): Promise<void> {
  return streamExport(reply, format, lang === 'en' ? 'support-records' : 'trajecten', supportColumns(pages, lang), rows);
}
