import { EventView, RegistrationView } from '@keyport/events';
import { Column } from '../common/export';

type T = (key: string) => string;

/** Attendee export: one row per registration, one column per custom question. */
export function registrationColumns(event: EventView, t: T): Column<RegistrationView>[] {
  return [
    { header: t('registrations.firstName'), value: (r) => r.firstName },
    { header: t('registrations.lastName'), value: (r) => r.lastName },
    { header: t('registrations.email'), value: (r) => r.email },
    { header: t('registrations.organisation'), value: (r) => r.organisationName },
    { header: t('registrations.participantType'), value: (r) => t(`registrations.participantTypes.${r.participantType}`) },
    { header: t('registrations.status'), value: (r) => t(`registrations.statuses.${r.status}`) },
    ...(event.sessions.length ? [{ header: t('registrations.session'), value: (r: RegistrationView) => r.sessionTitle }] : []),
    ...event.questions.map((q) => ({
      header: q.label,
      value: (r: RegistrationView) => {
        const a = r.answers[q.id];
        return Array.isArray(a) ? a.join('; ') : (a ?? '');
      },
    })),
    { header: t('registrations.registeredAt'), value: (r) => r.createdAt },
    { header: t('registrations.checkedInAt'), value: (r) => r.checkedInAt },
  ];
}
