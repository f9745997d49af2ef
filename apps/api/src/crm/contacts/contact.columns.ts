import { ContactView } from '@keyport/crm';
import { Column } from '../../common/export';

type T = (key: string) => string;

export function contactColumns(t: T): Column<ContactView>[] {
  return [
    { header: t('contacts.firstName'), value: (c) => c.firstName },
    { header: t('contacts.lastName'), value: (c) => c.lastName },
    { header: t('contacts.email'), value: (c) => c.email },
    { header: t('contacts.phone'), value: (c) => c.phone },
    { header: t('contacts.jobTitle'), value: (c) => c.jobTitle },
    { header: t('contacts.organisations'), value: (c) => c.organisations.map((o) => o.organisationName).join(', ') },
    { header: t('contacts.language'), value: (c) => c.language },
    { header: t('contacts.interests'), value: (c) => c.interests.map((line) => t(`contacts.interestOptions.${line}`)).join(', ') },
    { header: t('contacts.mailingConsent'), value: (c) => (c.mailingConsent && !c.unsubscribedAt ? t('common.yes') : t('common.no')) },
    { header: t('contacts.consentAt'), value: (c) => c.consentAt },
    { header: t('contacts.unsubscribedAt'), value: (c) => c.unsubscribedAt },
    { header: t('contacts.bouncedAt'), value: (c) => c.bouncedAt },
    { header: t('contacts.bounceReason'), value: (c) => c.bounceReason },
    { header: 'id', value: (c) => c.id },
  ];
}
