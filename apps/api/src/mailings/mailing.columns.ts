import { MailingView, RecipientView, SKIP_REASONS } from '@keyport/mailings';
import { Column } from '../common/export';

type T = (key: string) => string;

export function mailingColumns(t: T): Column<MailingView>[] {
  return [
    { header: t('mailings.name'), value: (m) => m.name },
    { header: t('mailings.status'), value: (m) => t(`mailings.statuses.${m.status}`) },
    { header: t('mailings.template'), value: (m) => m.templateName },
    { header: t('mailings.event'), value: (m) => m.eventTitle },
    { header: t('mailings.counts.total'), value: (m) => m.counts.total },
    { header: t('mailings.counts.sent'), value: (m) => m.counts.sent },
    { header: t('mailings.counts.failed'), value: (m) => m.counts.failed },
    { header: t('mailings.counts.bounced'), value: (m) => m.counts.bounced },
    { header: t('mailings.counts.skipped'), value: (m) => m.counts.skipped },
    { header: t('mailings.scheduledAt'), value: (m) => m.scheduledAt },
    { header: t('mailings.startedAt'), value: (m) => m.startedAt },
    { header: t('mailings.finishedAt'), value: (m) => m.finishedAt },
  ];
}

/** Per-recipient status: what the organiser exports to see who got the mailing, who did not and why. */
export function recipientColumns(t: T): Column<RecipientView>[] {
  return [
    { header: t('mailings.recipient.name'), value: (r) => r.name },
    { header: t('mailings.recipient.email'), value: (r) => r.email },
    { header: t('mailings.recipient.language'), value: (r) => r.language },
    { header: t('mailings.recipient.status'), value: (r) => t(`mailings.recipientStatuses.${r.status}`) },
    { header: t('mailings.recipient.reason'), value: (r) => (r.reason && (SKIP_REASONS as readonly string[]).includes(r.reason) ? t(`mailings.skipReasons.${r.reason}`) : r.reason) },
    { header: t('mailings.recipient.attempts'), value: (r) => r.attempts },
    { header: t('mailings.recipient.sentAt'), value: (r) => r.sentAt },
    { header: t('mailings.recipient.smtpResponse'), value: (r) => r.smtpResponse },
  ];
}
