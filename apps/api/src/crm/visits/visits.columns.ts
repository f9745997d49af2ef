import { amsterdamTimestamp, FollowUpView, QuestionView, VisitView } from '@keyport/crm/visits';
import { Column } from '../../common/export';

type T = (key: string) => string;

/** The columns of a visits export (pages and API alike), headed in the reader's language. */
export function visitColumns(t: T): Column<VisitView>[] {
  return [
    { header: t('visits.visitedOn'), value: (v) => v.visitedOn },
    { header: t('visits.organisation'), value: (v) => v.organisationName },
    { header: t('visits.municipality'), value: (v) => v.municipality },
    { header: t('visits.accountManager'), value: (v) => v.accountManagerName },
    { header: t('visits.contactsMet'), value: (v) => v.contacts.map((c) => c.name).join(', ') },
    { header: t('visits.programmeLinesLabel'), value: (v) => v.programmeLines.map((p) => t(`visits.programmeLines.${p}`)).join(', ') },
    { header: t('visits.themes'), value: (v) => v.themes.join(', ') },
    { header: t('visits.questionCount'), value: (v) => v.questionCount },
    { header: t('visits.openFollowUpCount'), value: (v) => v.openFollowUpCount },
    { header: t('visits.notes'), value: (v) => v.notes },
    { header: t('visits.createdAt'), value: (v) => amsterdamTimestamp(v.createdAt) },
    { header: 'id', value: (v) => v.id },
    { header: 'organisation_id', value: (v) => v.organisationId },
  ];
}

export function questionColumns(t: T): Column<QuestionView>[] {
  return [
    { header: t('visits.raisedOn'), value: (q) => q.raisedOn },
    { header: t('visits.organisation'), value: (q) => q.organisationName },
    { header: t('visits.municipality'), value: (q) => q.municipality },
    { header: t('visits.question'), value: (q) => q.question },
    { header: t('visits.askedBy'), value: (q) => q.contactName },
    { header: t('visits.status'), value: (q) => t(`visits.questionStatuses.${q.status}`) },
    { header: t('visits.answeredBy'), value: (q) => (q.answeredBy ? t(`visits.answeredByOptions.${q.answeredBy}`) : '') },
    { header: t('visits.answeredByName'), value: (q) => q.answeredByName },
    { header: t('visits.answer'), value: (q) => q.answer },
    { header: t('visits.answeredOn'), value: (q) => q.answeredOn },
    { header: t('visits.visitedOn'), value: (q) => q.visitedOn },
    { header: t('visits.accountManager'), value: (q) => q.accountManagerName },
    { header: 'id', value: (q) => q.id },
    { header: 'visit_id', value: (q) => q.visitId },
  ];
}

export function followUpColumns(t: T): Column<FollowUpView>[] {
  return [
    { header: t('visits.dueOn'), value: (f) => f.dueOn },
    { header: t('visits.organisation'), value: (f) => f.organisationName },
    { header: t('visits.municipality'), value: (f) => f.municipality },
    { header: t('visits.description'), value: (f) => f.description },
    { header: t('visits.assignee'), value: (f) => f.assigneeName },
    { header: t('visits.status'), value: (f) => t(`visits.followUpStatuses.${f.done ? 'done' : f.overdue ? 'overdue' : 'open'}`) },
    { header: t('visits.doneAt'), value: (f) => amsterdamTimestamp(f.doneAt) },
    { header: t('visits.visitedOn'), value: (f) => f.visitedOn },
    { header: 'id', value: (f) => f.id },
    { header: 'visit_id', value: (f) => f.visitId },
  ];
}
